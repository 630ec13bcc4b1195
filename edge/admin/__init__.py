"""The edge app's admin: zones and nodes (health, fill plans), client
networks, and traffic with QoE from CMCD."""
from edge.admin import networks, nodes, traffic

__all__ = ["networks", "nodes", "traffic"]
