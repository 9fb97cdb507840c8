/*
 * routes.c - the route table.
 *
 * Every route of the Docker Engine API appears here: the ones served and,
 * with sl_api_unsupported, the ones Sockerless answers with 501 naming the
 * operation, so a client never mistakes a missing feature for a typo.
 */
#include "config.h"

#include "core/api.h"
#include "core/api_archive.h"
#include "core/api_monitor.h"
#include "core/daemon.h"
#include "core/router.h"

#define U sl_api_unsupported
#define NL sl_api_no_layers

const struct sl_route sl_routes[] = {
	{"GET", "/_ping", sl_api_ping,  SL_ROUTE_NO_HOOK, "ping"},
	{"HEAD", "/_ping", sl_api_ping,  SL_ROUTE_NO_HOOK, "ping"},
	{"GET", "/version", sl_api_version,  SL_ROUTE_NO_HOOK, "version"},
	{"GET", "/info", sl_api_info, 0, "info"},
	{"GET", "/events", sl_api_events,  SL_ROUTE_NO_HOOK, "events"},
	{"GET", "/system/df", sl_api_system_df, 0, "system df"},
	{"POST", "/auth", sl_api_auth, 0, "registry login"},

	/* Containers. */
	{"GET", "/containers/json", sl_api_ctr_list, 0, "container list"},
	{"POST", "/containers/create", sl_api_ctr_create, 0, "container create"},
	{"GET", "/containers/{id}/json", sl_api_ctr_inspect, 0, "container inspect"},
	{"GET", "/containers/{id}/top", sl_api_ctr_top, 0, "container top"},
	{"GET", "/containers/{id}/logs", sl_api_ctr_logs, 0, "container logs"},
	{"GET", "/containers/{id}/changes", U, 0, "container changes"},
	{"GET", "/containers/{id}/export", U, 0, "container export"},
	{"GET", "/containers/{id}/stats", sl_api_ctr_stats, 0, "container stats"},
	{"POST", "/containers/{id}/resize", sl_api_ctr_resize, 0, "container resize"},
	{"POST", "/containers/{id}/start", sl_api_ctr_start, 0, "container start"},
	{"POST", "/containers/{id}/stop", sl_api_ctr_stop, 0, "container stop"},
	{"POST", "/containers/{id}/restart", sl_api_ctr_restart, 0, "container restart"},
	{"POST", "/containers/{id}/kill", sl_api_ctr_kill, 0, "container kill"},
	{"POST", "/containers/{id}/update", sl_api_ctr_update, 0, "container update"},
	{"POST", "/containers/{id}/rename", sl_api_ctr_rename, 0, "container rename"},
	{"POST", "/containers/{id}/pause", sl_api_ctr_pause, 0, "container pause"},
	{"POST", "/containers/{id}/unpause", sl_api_ctr_unpause, 0, "container unpause"},
	{"POST", "/containers/{id}/attach", sl_api_ctr_attach, 0, "container attach"},
	{"GET", "/containers/{id}/attach/ws", U, 0, "container attach (websocket)"},
	{"POST", "/containers/{id}/wait", sl_api_ctr_wait,  SL_ROUTE_NO_HOOK, "container wait"},
	{"DELETE", "/containers/{id}", sl_api_ctr_remove, 0, "container remove"},
	{"HEAD", "/containers/{id}/archive", sl_api_archive_stat, 0, "container archive stat"},
	{"GET", "/containers/{id}/archive", sl_api_archive_get, 0, "container archive get"},
	{"PUT", "/containers/{id}/archive", sl_api_archive_put, SL_ROUTE_STREAM_BODY, "container archive put"},
	{"POST", "/containers/prune", sl_api_ctr_prune, 0, "container prune"},
	{"POST", "/containers/{id}/exec", sl_api_exec_create, 0, "exec create"},
	{"POST", "/exec/{id}/start", sl_api_exec_start, 0, "exec start"},
	{"POST", "/exec/{id}/resize", sl_api_exec_resize, 0, "exec resize"},
	{"GET", "/exec/{id}/json", sl_api_exec_inspect, 0, "exec inspect"},

	/* Images. */
	{"GET", "/images/json", sl_api_image_list, 0, "image list"},
	{"POST", "/images/create", sl_api_image_create, 0, "image pull"},
	{"GET", "/images/search", U, 0, "image search"},
	{"POST", "/images/prune", sl_api_image_prune, 0, "image prune"},
	{"POST", "/images/load", NL, SL_ROUTE_RAW_BODY, "image load"},
	{"GET", "/images/get", NL, 0, "image save"},
	{"POST", "/build", NL, SL_ROUTE_RAW_BODY, "image build"},
	{"POST", "/build/prune", U, 0, "build cache prune"},
	{"POST", "/commit", NL, 0, "container commit"},
	{"GET", "/images/{name*}/json", sl_api_image_inspect, 0, "image inspect"},
	{"GET", "/images/{name*}/history", sl_api_image_history, 0, "image history"},
	{"POST", "/images/{name*}/push", NL, 0, "image push"},
	{"POST", "/images/{name*}/tag", sl_api_image_tag, 0, "image tag"},
	{"DELETE", "/images/{name*}", sl_api_image_remove, 0, "image remove"},
	{"GET", "/images/{name*}/get", NL, 0, "image save"},
	{"GET", "/distribution/{name*}/json", sl_api_distribution, 0, "distribution inspect"},

	/* Volumes and networks. */
	{"GET", "/volumes", sl_api_vol_list, 0, "volume list"},
	{"POST", "/volumes/create", sl_api_vol_create, 0, "volume create"},
	{"POST", "/volumes/prune", sl_api_vol_prune, 0, "volume prune"},
	{"GET", "/volumes/{name}", sl_api_vol_inspect, 0, "volume inspect"},
	{"DELETE", "/volumes/{name}", sl_api_vol_remove, 0, "volume remove"},
	{"GET", "/networks", sl_api_net_list, 0, "network list"},
	{"POST", "/networks/create", sl_api_net_create, 0, "network create"},
	{"POST", "/networks/prune", sl_api_net_prune, 0, "network prune"},
	{"GET", "/networks/{id}", sl_api_net_inspect, 0, "network inspect"},
	{"DELETE", "/networks/{id}", sl_api_net_remove, 0, "network remove"},
	{"POST", "/networks/{id}/connect", sl_api_net_connect, 0, "network connect"},
	{"POST", "/networks/{id}/disconnect", sl_api_net_disconnect, 0, "network disconnect"},

	/* Swarm-mode and engine plugins: out of Sockerless's scope. */
	{"GET", "/swarm", U, 0, "swarm inspect"},
	{"POST", "/swarm/init", U, 0, "swarm init"},
	{"POST", "/swarm/join", U, 0, "swarm join"},
	{"POST", "/swarm/leave", U, 0, "swarm leave"},
	{"POST", "/swarm/update", U, 0, "swarm update"},
	{"GET", "/swarm/unlockkey", U, 0, "swarm unlock key"},
	{"POST", "/swarm/unlock", U, 0, "swarm unlock"},
	{"GET", "/nodes", U, 0, "node list"},
	{"GET", "/nodes/{id}", U, 0, "node inspect"},
	{"DELETE", "/nodes/{id}", U, 0, "node remove"},
	{"POST", "/nodes/{id}/update", U, 0, "node update"},
	{"GET", "/services", U, 0, "service list"},
	{"POST", "/services/create", U, 0, "service create"},
	{"GET", "/services/{id}", U, 0, "service inspect"},
	{"DELETE", "/services/{id}", U, 0, "service remove"},
	{"POST", "/services/{id}/update", U, 0, "service update"},
	{"GET", "/services/{id}/logs", U, 0, "service logs"},
	{"GET", "/tasks", U, 0, "task list"},
	{"GET", "/tasks/{id}", U, 0, "task inspect"},
	{"GET", "/tasks/{id}/logs", U, 0, "task logs"},
	{"GET", "/secrets", U, 0, "secret list"},
	{"POST", "/secrets/create", U, 0, "secret create"},
	{"GET", "/secrets/{id}", U, 0, "secret inspect"},
	{"DELETE", "/secrets/{id}", U, 0, "secret remove"},
	{"POST", "/secrets/{id}/update", U, 0, "secret update"},
	{"GET", "/configs", U, 0, "config list"},
	{"POST", "/configs/create", U, 0, "config create"},
	{"GET", "/configs/{id}", U, 0, "config inspect"},
	{"DELETE", "/configs/{id}", U, 0, "config remove"},
	{"POST", "/configs/{id}/update", U, 0, "config update"},
	{"GET", "/plugins", U, 0, "plugin list"},
	{"GET", "/plugins/privileges", U, 0, "plugin privileges"},
	{"POST", "/plugins/pull", U, 0, "plugin install"},
	{"GET", "/plugins/{name}/json", U, 0, "plugin inspect"},
	{"DELETE", "/plugins/{name}", U, 0, "plugin remove"},
	{"POST", "/plugins/{name}/enable", U, 0, "plugin enable"},
	{"POST", "/plugins/{name}/disable", U, 0, "plugin disable"},
	{"POST", "/plugins/{name}/upgrade", U, 0, "plugin upgrade"},
	{"POST", "/plugins/create", U, 0, "plugin create"},
	{"POST", "/plugins/{name}/push", U, 0, "plugin push"},
	{"POST", "/plugins/{name}/set", U, 0, "plugin set"},
	{"POST", "/session", U, 0, "session (BuildKit)"},
	{NULL, NULL, NULL, 0, NULL},
};

/*
 * The core itself does not serve these, whatever the backend: naming the
 * backend would send the user looking for a better one.  A hook the
 * backend lacks is sl_api_no_hook's 501, which names it.
 */
enum MHD_Result sl_api_unsupported(struct sl_req *r)
{
	return sl_http_error(r, 501, "%s is not supported by Sockerless",
		r->route ? r->route->operation : "this operation");
}

/*
 * Operations on image layers.  Sockerless keeps image records (the config
 * and the manifest), never layers: the backend's cloud pulls them from the
 * registry itself.  Saying so spares the user a hunt for a missing feature.
 */
enum MHD_Result sl_api_no_layers(struct sl_req *r)
{
	return sl_http_error(r, 501,
		"%s is not supported by Sockerless: it keeps no image layers (the "
		"backend's cloud pulls them from the registry); build and push images "
		"with a Docker engine or a build service, then run them from the registry",
		r->route ? r->route->operation : "this operation");
}

