"""Writes of the control plane (split by concern, re-exported here)."""
from edge.services.demo import DEMO_EDGES, DemoEdge, demo_edges_ensure, edge_node_for_dev
from edge.services.errors import EdgeError, HeartbeatRejected, edge_error_code
from edge.services.fill import fill_plans_build, fill_window_for
from edge.services.heartbeats import edge_heartbeat_record, node_signature_check
from edge.services.networks import (
    ClientNetworksImportError,
    ImportProblem,
    ImportResult,
    client_network_create,
    client_network_delete,
    client_network_save,
    client_networks_changed,
    client_networks_import,
)
from edge.services.nodes import (
    edge_node_create,
    edge_node_delete,
    edge_node_enabled_set,
    edge_node_secret_rotate,
    edge_node_update,
    zone_create,
    zone_delete,
    zone_update,
)

__all__ = [
    "DEMO_EDGES", "ClientNetworksImportError", "DemoEdge", "EdgeError", "HeartbeatRejected", "ImportProblem",
    "ImportResult", "client_network_create", "client_network_delete", "client_network_save",
    "client_networks_changed", "client_networks_import", "demo_edges_ensure", "edge_error_code",
    "edge_heartbeat_record",
    "edge_node_create", "edge_node_delete", "edge_node_enabled_set", "edge_node_for_dev", "edge_node_secret_rotate",
    "edge_node_update", "fill_plans_build", "fill_window_for", "node_signature_check", "zone_create",
    "zone_delete", "zone_update",
]
