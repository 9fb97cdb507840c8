/* kql_known.c - names that Kusto knows and the simulator's subset does
 * not, so that a query using them is answered "valid KQL but not supported
 * by this simulator" rather than as a syntax error or an unknown name.
 * From the KQL reference (learn.microsoft.com/kusto/query); not exhaustive:
 * a name missing here is reported as Kusto reports an unknown one. */
#include "config.h"

#include "kql_priv.h"

#include <string.h>

bool kql_in_list(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(word, *list) == 0)
			return true;
	return false;
}

const char *const kql_kusto_operators[] = {
	"as", "consume", "evaluate", "facet", "find", "fork", "getschema",
	"invoke", "join", "lookup", "make-series", "mv-apply", "mv-expand",
	"parse", "parse-where", "parse-kv", "partition", "project-keep",
	"project-rename", "project-reorder", "reduce", "render", "sample",
	"sample-distinct", "scan", "search", "serialize", "top-hitters",
	"top-nested", "macro-expand", "make-graph", "graph-match",
	"graph-merge", NULL,
};

const char *const kql_kusto_statements[] = {
	"print", "search", "range", "datatable", "find", "evaluate", "set",
	"declare", "alias", "restrict", "pattern", "externaldata",
	"materialize", "view", "table", "database", "cluster", "workspace",
	"app", "resource", "macro-expand", NULL,
};

const char *const kql_kusto_aggregates[] = {
	"sum", "sumif", "avg", "avgif", "countif", "dcount", "dcountif",
	"make_list", "make_list_if", "make_list_with_nulls", "make_set",
	"make_set_if", "make_bag", "make_bag_if", "percentile", "percentiles",
	"percentiles_array", "percentilew", "percentilesw", "stdev", "stdevif",
	"stdevp", "variance", "varianceif", "variancep", "any", "anyif",
	"take_any", "take_anyif", "minif", "maxif", "binary_all_and",
	"binary_all_or", "binary_all_xor", "buildschema", "hll", "hll_if",
	"hll_merge", "tdigest", "tdigest_merge", "count_distinct",
	"count_distinctif", "covariance", "covariancep", "argmax", "argmin",
	NULL,
};

const char *const kql_kusto_functions[] = {
	/* conversion */
	"tobool", "toboolean", "todecimal", "todouble", "toreal", "toint",
	"tolong", "toguid", "totimespan", "todynamic", "tohex",
	"parse_json", "parse_xml", "parse_csv", "parse_url", "parse_path",
	"parse_urlquery", "parse_version", "parse_ipv4", "parse_ipv6",
	"parse_command_line", "parse_user_agent",
	/* strings */
	"extract", "extract_all", "extract_json", "split", "substring",
	"replace", "replace_string", "replace_strings", "replace_regex",
	"trim", "trim_start", "trim_end", "indexof", "indexof_regex",
	"countof", "strcat_delim", "strcat_array", "strcmp", "strrep",
	"reverse", "translate", "has_any_index", "base64_encode_tostring",
	"base64_decode_tostring", "base64_encode_fromguid",
	"base64_decode_toguid", "url_encode", "url_decode",
	"url_encode_component", "format_bytes", "unicode_codepoints_to_string",
	"unicode_codepoints_from_string", "to_utf8", "make_string", "hash",
	"hash_sha256", "hash_sha1", "hash_md5", "hash_xxhash64", "hash_many",
	"string_size", "isascii", "isutf8", "new_guid",
	/* dynamic */
	"array_length", "array_concat", "array_slice", "array_index_of",
	"array_sort_asc", "array_sort_desc", "array_split", "array_sum",
	"array_reverse", "array_rotate_left", "array_rotate_right",
	"array_shift_left", "array_shift_right", "array_iff", "array_iif",
	"bag_keys", "bag_merge", "bag_pack", "bag_pack_columns", "bag_remove_keys",
	"bag_set_key", "bag_has_key", "pack", "pack_all", "pack_array",
	"pack_dictionary", "set_union", "set_intersect", "set_difference",
	"set_has_element", "treepath", "zip", "jaccard_index", "repeat",
	"gettype", "column_ifexists", "isnan", "isinf", "isfinite",
	/* datetime */
	"bin", "bin_at", "bin_auto", "floor", "datetime_add", "datetime_diff",
	"datetime_part", "datetime_local_to_utc", "datetime_utc_to_local",
	"dayofmonth", "dayofweek", "dayofyear", "hourofday", "getmonth",
	"getyear", "monthofyear", "weekofyear", "week_of_year", "startofday",
	"startofweek", "startofmonth", "startofyear", "endofday", "endofweek",
	"endofmonth", "endofyear", "format_datetime", "format_timespan",
	"make_datetime", "make_timespan", "unixtime_seconds_todatetime",
	"unixtime_milliseconds_todatetime", "unixtime_microseconds_todatetime",
	"unixtime_nanoseconds_todatetime", "ingestion_time",
	/* numbers and logic */
	"abs", "acos", "asin", "atan", "atan2", "ceiling", "cos", "cot",
	"degrees", "exp", "exp10", "exp2", "gamma", "log", "log10", "log2",
	"loggamma", "pi", "pow", "radians", "rand", "round", "sign", "sin",
	"sqrt", "tan", "max_of", "min_of", "iff", "iif", "case", "coalesce",
	"binary_and", "binary_or", "binary_xor", "binary_not",
	"binary_shift_left", "binary_shift_right", "bitset_count_ones",
	"range", "toscalar", "materialize", "row_number", "row_cumsum",
	"row_rank_dense", "row_rank_min", "prev", "next", "estimate_data_size",
	"ipv4_compare", "ipv4_is_match", "ipv4_is_in_range", "ipv4_is_private",
	"ipv6_compare", "ipv6_is_match", "geo_distance_2points", "current_database",
	"current_cluster_endpoint", "current_principal", "cursor_after",
	"extent_id", "extent_tags", NULL,
};
