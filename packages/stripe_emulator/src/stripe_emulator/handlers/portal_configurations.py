"""The `portal_configurations` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..models.billing_portal import PortalConfiguration
from ..resources import portal_configurations as model
from ..router import Request


def _create_cfg(b: Backend, req: Request) -> Rendered:
    return b.render(model.create_configuration(b, req.params, req.request_id), req.expand)


def _update_cfg(b: Backend, req: Request) -> Rendered:
    return b.render(
        model.update_configuration(b, req.path_params["configuration"], req.params, req.request_id), req.expand
    )


def _retrieve_cfg(b: Backend, req: Request) -> Rendered:
    with b.lock:
        cfg = b.get(req.path_params["configuration"], "billing_portal.configuration", param="configuration")
        return b.render(cfg, req.expand)


def _list_cfg(b: Backend, req: Request) -> Rendered:
    p = req.params
    with b.lock:

        def keep(c: PortalConfiguration) -> bool:
            return ("active" not in p or c["active"] == p["active"]) and (
                "is_default" not in p or c["is_default"] == p["is_default"]
            )

        return b.list_response(
            b.all("billing_portal.configuration", keep), p, "/v1/billing_portal/configurations", req.expand
        )
