/* sim_region.h - Azure regions: the short name ARM keys resources by
 * ("eastus") and the display name Microsoft.App answers with ("East US").
 * ARM accepts either form in a request body, case-insensitively and with
 * spaces ignored. */
#ifndef SIM_REGION_H
#define SIM_REGION_H

/* The short name of loc ("East US", "EASTUS", "east us" -> "eastus"), or
 * NULL when loc names no Azure region. Static storage. */
const char *sim_region_name(const char *loc);

/* The display name of loc ("eastus" -> "East US"), or NULL when unknown.
 * Static storage. */
const char *sim_region_display(const char *loc);

/* Short names of every region, comma-separated as ARM lists them in
 * LocationNotAvailableFor* messages. Static storage. */
const char *sim_region_list(void);

#endif
