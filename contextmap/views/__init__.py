"""Views: the offline hotspot map and the peer-network view.

Every view is one self-contained HTML file: scripts and styles are inlined from the installed
package (``templates/``, ``assets/``), every data string is escaped, and nothing is fetched
when the file is opened.
"""

from contextmap.views.maps import GROUP_COLOURS, SCORE_COLOURS, hotspot_map, map_payload, write_map
from contextmap.views.network import KIND_STYLE, NetworkView, network_view

__all__ = [
    "hotspot_map", "write_map", "map_payload", "SCORE_COLOURS", "GROUP_COLOURS",
    "NetworkView", "network_view", "KIND_STYLE",
]
