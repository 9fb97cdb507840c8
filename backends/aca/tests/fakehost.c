#include "fakehost.h"
