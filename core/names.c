/*
 * names.c - container names.
 *
 * The automatic names draw from the same pool as dockerd's (about 100
 * adjectives times 230 notable scientists and engineers, some 25 000
 * pairs), so a host with a few hundred containers rarely meets a taken one;
 * the caller retries when it does (see sl_ctrtab_add).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/names.h"

static const char *const left[] = {
	"admiring", "adoring", "affectionate", "agitated", "amazing", "angry",
	"awesome", "beautiful", "blissful", "bold", "boring", "brave", "busy",
	"charming", "clever", "compassionate", "competent", "condescending",
	"confident", "cool", "cranky", "crazy", "dazzling", "determined",
	"distracted", "dreamy", "eager", "ecstatic", "elastic", "elated",
	"elegant", "eloquent", "epic", "exciting", "fervent", "festive",
	"flamboyant", "focused", "friendly", "frosty", "funny", "gallant",
	"gifted", "goofy", "gracious", "great", "happy", "hardcore",
	"heuristic", "hopeful", "hungry", "infallible", "inspiring",
	"intelligent", "interesting", "jolly", "jovial", "keen", "kind",
	"laughing", "loving", "lucid", "magical", "modest", "musing",
	"mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic",
	"objective", "optimistic", "peaceful", "pedantic", "pensive",
	"practical", "priceless", "quirky", "quizzical", "recursing",
	"relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly",
	"sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet",
	"tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant",
	"vigilant", "vigorous", "wizardly", "wonderful", "xenodochial",
	"youthful", "zealous", "zen",
};

static const char *const right[] = {
	"agnesi", "albattani", "allen", "almeida", "antonelli", "archimedes",
	"ardinghelli", "aryabhata", "austin", "babbage", "banach", "banzai",
	"bardeen", "bartik", "bassi", "beaver", "bell", "benz", "bhabha",
	"bhaskara", "black", "blackburn", "blackwell", "bohr", "booth", "borg",
	"bose", "bouman", "boyd", "brahmagupta", "brattain", "brown", "buck",
	"burnell", "cannon", "carson", "cartwright", "carver", "cerf",
	"chandrasekhar", "chaplygin", "chatelet", "chatterjee", "chaum",
	"chebyshev", "clarke", "cohen", "colden", "cori", "cray", "curie",
	"curran", "darwin", "davinci", "dewdney", "dhawan", "diffie",
	"dijkstra", "dirac", "driscoll", "dubinsky", "easley", "edison",
	"einstein", "elbakyan", "elgamal", "elion", "ellis", "engelbart",
	"euclid", "euler", "faraday", "feistel", "fermat", "fermi", "feynman",
	"franklin", "gagarin", "galileo", "galois", "ganguly", "gates",
	"gauss", "germain", "goldberg", "goldstine", "goldwasser", "golick",
	"goodall", "gould", "greider", "grothendieck", "haibt", "hamilton",
	"haslett", "hawking", "heisenberg", "hellman", "hermann", "herschel",
	"hertz", "heyrovsky", "hodgkin", "hofstadter", "hoover", "hopper",
	"hugle", "hypatia", "ishizaka", "jackson", "jang", "jemison",
	"jennings", "jepsen", "johnson", "joliot", "jones", "kalam", "kapitsa",
	"kare", "keldysh", "keller", "kepler", "khayyam", "khorana", "kilby",
	"kirch", "knuth", "kowalevski", "lalande", "lamarr", "lamport",
	"leakey", "leavitt", "lederberg", "lehmann", "lewin", "lichterman",
	"liskov", "lovelace", "lumiere", "mahavira", "margulis", "matsumoto",
	"maxwell", "mayer", "mccarthy", "mcclintock", "mclaren", "mclean",
	"mcnulty", "meitner", "mendel", "mendeleev", "meninsky", "merkle",
	"mestorf", "mirzakhani", "montalcini", "moore", "morse", "moser",
	"murdock", "napier", "nash", "neumann", "newton", "nightingale",
	"nobel", "noether", "northcutt", "noyce", "panini", "pare", "pascal",
	"pasteur", "payne", "perlman", "pike", "poincare", "poitras",
	"proskuriakova", "ptolemy", "raman", "ramanujan", "rhodes", "ride",
	"ritchie", "robinson", "roentgen", "rosalind", "rubin", "saha",
	"sammet", "sanderson", "satoshi", "shamir", "shannon", "shaw",
	"shirley", "shockley", "shtern", "sinoussi", "snyder", "solomon",
	"spence", "stonebraker", "sutherland", "swanson", "swartz", "swirles",
	"taussig", "tesla", "tharp", "thompson", "torvalds", "tu", "turing",
	"varahamihira", "vaughan", "villani", "visvesvaraya", "volhard",
	"wescoff", "wilbur", "wiles", "williams", "williamson", "wilson",
	"wing", "wozniak", "wright", "wu", "yalow", "yonath", "zhukovsky",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int sl_names_valid(const char *name)
{
	const char *p;

	if (*name == '/')
		name++;
	if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
	      (*name >= '0' && *name <= '9')) || strlen(name) < 2 ||
	    strlen(name) > SL_NAMES_MAX)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return 0;
	return 1;
}

/* Names need no cryptographic quality, only independence between
 * daemons and restarts; getrandom cannot fail for 4 bytes once the pool
 * is up, but a name must come out regardless. */
static uint32_t rand32(void)
{
	static uint32_t fallback;
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
		return v;
	v = __atomic_add_fetch(&fallback, 0x9e3779b9u, __ATOMIC_RELAXED);
	return v ^ (uint32_t)time(NULL) * 2654435761u;
}

void sl_names_random(char *out, size_t len, unsigned retry)
{
	const char *l, *r;

	do {
		l = left[rand32() % NELEM(left)];
		r = right[rand32() % NELEM(right)];
	} while (!strcmp(l, "boring") && !strcmp(r, "wozniak")); /* as dockerd */
	if (retry)
		snprintf(out, len, "%s_%s%u", l, r, (unsigned)(rand32() % 10));
	else
		snprintf(out, len, "%s_%s", l, r);
}
