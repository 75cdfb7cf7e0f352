/*
 * nearby: which distribution sites are near a kiosk's site (pure).
 *
 * The report's answer carries the live stock of the sites near the kiosk,
 * so its screen can say "out of stock here; 1.2 km away there are sets".
 * Distances are great-circle (haversine) between the sites' coordinates in
 * the published content bundle; a site without coordinates has no
 * neighbours.
 */
#ifndef OFFICE_NEARBY_H
#define OFFICE_NEARBY_H

#include <jansson.h>
#include <stddef.h>

#include "protocol.h"

#define NEARBY_RADIUS_KM 30.0
#define NEARBY_MAX 5

struct nearby_site {
	char site_id[PROTOCOL_ID_MAX + 1];
	double lat, lon;
};

/* The sites of a (validated) bundle as a malloc'd array; *n may be 0. */
struct nearby_site *nearby_sites_from_bundle(json_t *bundle, size_t *n);

/* Great-circle distance in km. */
double nearby_distance_km(double lat1, double lon1, double lat2, double lon2);

/*
 * Up to max sites other than site_id within radius_km of it, nearest first,
 * as indexes into sites. Returns how many.
 */
size_t nearby_pick(const struct nearby_site *sites, size_t n, const char *site_id, double radius_km,
		   size_t max, size_t *out);

#endif
