/* sim_region.c - Azure's public regions, name <-> display name.
 *
 * The table is the physical regions `az account list-locations` lists
 * (name, displayName), the ones Microsoft.App serves among them; logical
 * geographies ("unitedstates", "europe") are not places a resource can
 * live and are left out. */
#include "config.h"

#include "sim_region.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct region {
	const char *name;
	const char *display;
};

static const struct region regions[] = {
	{ "australiacentral", "Australia Central" },
	{ "australiacentral2", "Australia Central 2" },
	{ "australiaeast", "Australia East" },
	{ "australiasoutheast", "Australia Southeast" },
	{ "austriaeast", "Austria East" },
	{ "belgiumcentral", "Belgium Central" },
	{ "brazilsouth", "Brazil South" },
	{ "brazilsoutheast", "Brazil Southeast" },
	{ "canadacentral", "Canada Central" },
	{ "canadaeast", "Canada East" },
	{ "centralindia", "Central India" },
	{ "centralus", "Central US" },
	{ "centraluseuap", "Central US EUAP" },
	{ "chilecentral", "Chile Central" },
	{ "eastasia", "East Asia" },
	{ "eastus", "East US" },
	{ "eastus2", "East US 2" },
	{ "eastus2euap", "East US 2 EUAP" },
	{ "francecentral", "France Central" },
	{ "francesouth", "France South" },
	{ "germanynorth", "Germany North" },
	{ "germanywestcentral", "Germany West Central" },
	{ "indonesiacentral", "Indonesia Central" },
	{ "israelcentral", "Israel Central" },
	{ "italynorth", "Italy North" },
	{ "japaneast", "Japan East" },
	{ "japanwest", "Japan West" },
	{ "jioindiacentral", "Jio India Central" },
	{ "jioindiawest", "Jio India West" },
	{ "koreacentral", "Korea Central" },
	{ "koreasouth", "Korea South" },
	{ "malaysiawest", "Malaysia West" },
	{ "mexicocentral", "Mexico Central" },
	{ "newzealandnorth", "New Zealand North" },
	{ "northcentralus", "North Central US" },
	{ "northeurope", "North Europe" },
	{ "norwayeast", "Norway East" },
	{ "norwaywest", "Norway West" },
	{ "polandcentral", "Poland Central" },
	{ "qatarcentral", "Qatar Central" },
	{ "southafricanorth", "South Africa North" },
	{ "southafricawest", "South Africa West" },
	{ "southcentralus", "South Central US" },
	{ "southeastasia", "Southeast Asia" },
	{ "southindia", "South India" },
	{ "spaincentral", "Spain Central" },
	{ "swedencentral", "Sweden Central" },
	{ "switzerlandnorth", "Switzerland North" },
	{ "switzerlandwest", "Switzerland West" },
	{ "uaecentral", "UAE Central" },
	{ "uaenorth", "UAE North" },
	{ "uksouth", "UK South" },
	{ "ukwest", "UK West" },
	{ "westcentralus", "West Central US" },
	{ "westeurope", "West Europe" },
	{ "westindia", "West India" },
	{ "westus", "West US" },
	{ "westus2", "West US 2" },
	{ "westus3", "West US 3" },
};

#define NREGIONS (sizeof(regions) / sizeof(regions[0]))

/* loc lowered with spaces dropped into out; 0, or -1 when it does not fit
 * (no region name is that long). */
static int fold(const char *loc, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *loc; loc++) {
		if (*loc == ' ')
			continue;
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)tolower((unsigned char)*loc);
	}
	out[o] = '\0';
	return 0;
}

static const struct region *lookup(const char *loc)
{
	char key[64];

	if (!loc || fold(loc, key, sizeof(key)))
		return NULL;
	for (size_t i = 0; i < NREGIONS; i++)
		if (strcmp(regions[i].name, key) == 0)
			return &regions[i];
	return NULL;
}

const char *sim_region_name(const char *loc)
{
	const struct region *r = lookup(loc);

	return r ? r->name : NULL;
}

const char *sim_region_display(const char *loc)
{
	const struct region *r = lookup(loc);

	return r ? r->display : NULL;
}

static char list_buf[NREGIONS * 24];
static pthread_once_t list_once = PTHREAD_ONCE_INIT;

static void build_list(void)
{
	size_t o = 0;

	for (size_t i = 0; i < NREGIONS; i++) {
		int n = snprintf(list_buf + o, sizeof(list_buf) - o, "%s%s", i ? "," : "",
				 regions[i].name);
		if (n < 0 || (size_t)n >= sizeof(list_buf) - o)
			break;
		o += (size_t)n;
	}
}

const char *sim_region_list(void)
{
	pthread_once(&list_once, build_list);
	return list_buf;
}
