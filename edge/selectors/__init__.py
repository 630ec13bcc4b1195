"""Reads of the control plane (split by concern, re-exported here)."""
from edge.selectors.networks import (
    ClientNetworkMatch,
    client_network_match,
    client_networks_table,
    client_networks_table_build,
)
from edge.selectors.nodes import heartbeat_answer, revocations_applied_everywhere_at, zone_peers
from edge.selectors.routing import (
    ORIGIN_PATHWAY_ID,
    Pathway,
    PlaybackRoute,
    ZoneStatus,
    node_get,
    node_pathway,
    nodes_fresh,
    origin_base_url,
    origin_pathway,
    pathway_priority,
    pathways_for,
    pathways_for_ids,
    playback_route,
    round_robin_next,
    viewer_zone_for,
    zone_node_pick,
    zones_ranked,
)

__all__ = [
    "ORIGIN_PATHWAY_ID", "ClientNetworkMatch", "Pathway", "PlaybackRoute", "ZoneStatus", "client_network_match",
    "client_networks_table", "client_networks_table_build", "heartbeat_answer", "node_get", "node_pathway",
    "nodes_fresh", "origin_base_url", "origin_pathway", "pathway_priority", "pathways_for", "pathways_for_ids",
    "playback_route", "revocations_applied_everywhere_at", "round_robin_next", "viewer_zone_for",
    "zone_node_pick", "zone_peers", "zones_ranked",
]
