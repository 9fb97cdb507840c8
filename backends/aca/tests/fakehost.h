#include <sockerless/plugin.h>
