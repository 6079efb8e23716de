"""The plan-only provider process: Terraform's plugin protocol (tfplugin6) with the converted hashicorp/aws schema.

Transport, handshake and the msgpack value encoding come from the PyPI framework ``tf`` (``tf.runner``,
``tf.utils``, its generated ``tfplugin6`` stubs). Its resource model needs one class per resource type and builds
set-nested blocks only, so the RPCs themselves are answered here, generically from the schema:

* ``GetProviderSchema``: the converted schema (serialized once into ``.cache/tfprovider``, parsed per process);
* ``PlanResourceChange``: Terraform's proposed new state with every unset computed attribute unknown (on create),
  ``tags_all`` = provider ``default_tags`` merged with ``tags``;
* ``ReadDataSource``: ``aws_partition``, ``aws_region``, ``aws_caller_identity`` from the provider configuration
  (``region``, else ``AWS_REGION``/``AWS_DEFAULT_REGION``; account: the single ``allowed_account_ids`` entry, else
  ``CT_PLAN_ACCOUNT_ID``, else ``123456789012``); ``aws_iam_policy_document`` rendered by
  :mod:`.policy_document`; any other data source returns its configuration with computed attributes null;
* ``ApplyResourceChange`` / ``ImportResourceState``: refused with a clear error — this provider never creates.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import tf.provider
from tf.gen import tfplugin_pb2 as pb
from tf.types import Unknown
from tf.utils import Diagnostics, read_dynamic_value, to_dynamic_value

from contextual_targeting.tfprovider import PROVIDER_VERSION, policy_document
from contextual_targeting.tfprovider import schema as schema_mod

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
REFUSED = (
    "contextual-targeting's local hashicorp/aws provider plans, it never applies",
    "This provider serves the hashicorp/aws schema so that `terraform validate`, `plan` and `terraform test` "
    "(command = plan) run offline. It cannot create, change, import or destroy anything. Run `terraform init` "
    "without the local mirror (TF_CLI_CONFIG_FILE unset) on a machine with registry access to apply.",
)
_SID = re.compile(r"^[a-zA-Z0-9]*$")


def _nesting(mode: str) -> int:
    return {
        "single": pb.Schema.NestedBlock.SINGLE,
        "list": pb.Schema.NestedBlock.LIST,
        "set": pb.Schema.NestedBlock.SET,
        "map": pb.Schema.NestedBlock.MAP,
    }[mode]


def block_pb(block: dict[str, Any]) -> pb.Schema.Block:
    attributes = [
        pb.Schema.Attribute(
            name=name,
            type=json.dumps(attr["type"], separators=(",", ":")).encode(),
            required=bool(attr.get("required")),
            optional=bool(attr.get("optional")),
            computed=bool(attr.get("computed")),
            sensitive=bool(attr.get("sensitive")),
        )
        for name, attr in sorted(block["attributes"].items())
    ]
    nested = [
        pb.Schema.NestedBlock(
            type_name=name,
            block=block_pb(entry["block"]),
            nesting=_nesting(entry["nesting_mode"]),
            min_items=entry.get("min_items", 0),
            max_items=entry.get("max_items", 0),
        )
        for name, entry in sorted(block["block_types"].items())
    ]
    return pb.Schema.Block(attributes=attributes, block_types=nested)


def block_dict(block: pb.Schema.Block) -> dict[str, Any]:
    modes = {v: k for k, v in pb.Schema.NestedBlock.NestingMode.items()}
    return {
        "attributes": {a.name: {"computed": a.computed} for a in block.attributes},
        "block_types": {
            b.type_name: {"nesting_mode": modes[b.nesting].lower(), "block": block_dict(b.block)}
            for b in block.block_types
        },
    }


# One type's nested blocks, expanded from the manifest, outweigh the rest of the provider: aws_wafv2_web_acl_rule's
# recursive rule statements become 87,000 attributes and blocks (16 of the 17.7 MB response; Terraform spent ~13 s
# of CPU reading it on every command). A type over this many elements is served with its blocks cut at the deepest
# level where it fits (wafv2_web_acl_rule: 8 levels, about 9,000 elements): every type is still served, and a
# configuration nesting deeper than that in this one type would be refused here and not by the real provider.
MAX_TYPE_ELEMENTS = 10_000


def _elements(block: dict[str, Any], depth: int = 0, cap: int | None = None) -> int:
    """Attributes and blocks of ``block``, counting nested blocks down to ``cap`` levels."""
    total = len(block["attributes"]) + len(block["block_types"])
    if cap is not None and depth >= cap:
        return total
    return total + sum(_elements(entry["block"], depth + 1, cap) for entry in block["block_types"].values())


def _cut(block: dict[str, Any], cap: int, depth: int = 0) -> dict[str, Any]:
    if depth >= cap:
        return {**block, "block_types": {}}
    nested = {
        name: {**entry, "block": _cut(entry["block"], cap, depth + 1)} for name, entry in block["block_types"].items()
    }
    return {**block, "block_types": nested}


def bounded(block: dict[str, Any]) -> dict[str, Any]:
    """``block``, or for a type over ``MAX_TYPE_ELEMENTS`` elements, cut at the deepest level that fits."""
    if _elements(block) <= MAX_TYPE_ELEMENTS:
        return block
    cap = 1
    while _elements(block, cap=cap + 1) <= MAX_TYPE_ELEMENTS:
        cap += 1
    return _cut(block, cap)


def schema_response(data: dict[str, Any]) -> pb.GetProviderSchema.Response:
    return pb.GetProviderSchema.Response(
        provider=pb.Schema(block=block_pb(data["provider"])),
        provider_meta=pb.Schema(block=pb.Schema.Block()),
        resource_schemas={k: pb.Schema(block=block_pb(bounded(v))) for k, v in data["resource_schemas"].items()},
        data_source_schemas={k: pb.Schema(block=block_pb(bounded(v))) for k, v in data["data_source_schemas"].items()},
        server_capabilities=pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True),
    )


def cached_schema_bytes(cache_dir: Path | None = None) -> bytes:
    """The serialized GetProviderSchema response (built once per wheel version)."""
    cache_dir = cache_dir or schema_mod.default_cache_dir()
    path = cache_dir / f"schema-response-{PROVIDER_VERSION}-{schema_mod.CACHE_FORMAT}-{MAX_TYPE_ELEMENTS}.pb"
    if path.exists():
        return path.read_bytes()
    raw = schema_response(schema_mod.load(cache_dir)).SerializeToString()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(raw)
    tmp.replace(path)
    return raw


def partition_of(region: str) -> dict[str, str]:
    if region.startswith("cn-"):
        return {"partition": "aws-cn", "dns_suffix": "amazonaws.com.cn", "reverse_dns_prefix": "cn.com.amazonaws"}
    if region.startswith("us-gov-"):
        return {"partition": "aws-us-gov", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"}
    return {"partition": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"}


@functools.cache
def region_description(region: str) -> str | None:
    """The region's name as botocore's endpoint data spells it (``eu-west-1`` → ``Europe (Ireland)``)."""
    import botocore

    data = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
    for partition in data["partitions"]:
        if region in partition["regions"]:
            return partition["regions"][region].get("description")  # type: ignore[no-any-return]
    return None


class PlanServicer(tf.provider.ProviderServicer):
    """Answers every RPC from the converted schema; see the module docstring."""

    def __init__(self, app: Any = None) -> None:
        super().__init__(app)
        self._response: pb.GetProviderSchema.Response | None = None
        self._blocks: dict[tuple[str, str], dict[str, Any]] = {}
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self.account_id = os.environ.get("CT_PLAN_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID
        self.default_tags: dict[str, Any] = {}

    # ------------------------------------------------------------------------------------------ schema
    def GetMetadata(self, request: Any, context: Any) -> Any:
        return pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True)
        )

    def GetProviderSchema(self, request: Any, context: Any) -> Any:
        return self._schema_response()

    def _schema_response(self) -> pb.GetProviderSchema.Response:
        if self._response is None:
            self._response = pb.GetProviderSchema.Response.FromString(cached_schema_bytes())
        return self._response

    def _block(self, kind: str, type_name: str) -> dict[str, Any] | None:
        """A type's schema as plain data, read from the serialized response (cheaper than the 20 MB JSON)."""
        key = (kind, type_name)
        if key not in self._blocks:
            table = getattr(self._schema_response(), kind)
            self._blocks[key] = block_dict(table[type_name].block) if type_name in table else None  # type: ignore[assignment]
        return self._blocks[key]

    def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        if request.type_name == "aws_iam_policy_document":
            config = read_dynamic_value(request.config) or {}
            _validate_policy_document(diags, config)
        return pb.ValidateDataResourceConfig.Response(diagnostics=diags.to_pb())

    def ConfigureProvider(self, request: Any, context: Any) -> Any:
        config = read_dynamic_value(request.config) or {}
        if isinstance(config.get("region"), str) and config["region"]:
            self.region = config["region"]
        allowed = config.get("allowed_account_ids")
        if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str):
            self.account_id = allowed[0]
        for block in config.get("default_tags") or []:
            tags = block.get("tags") if isinstance(block, dict) else None
            self.default_tags = tags if isinstance(tags, dict) or tags is Unknown else {}
        return pb.ConfigureProvider.Response()

    # ------------------------------------------------------------------------------------------ resources
    def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        state = json.loads(request.raw_state.json) if request.raw_state.json else None
        return pb.UpgradeResourceState.Response(upgraded_state=to_dynamic_value(state))

    def ReadResource(self, request: Any, context: Any) -> Any:
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        proposed = read_dynamic_value(request.proposed_new_state)
        prior = read_dynamic_value(request.prior_state)
        block = self._block("resource_schemas", request.type_name)
        if proposed is None or block is None:
            return pb.PlanResourceChange.Response(planned_state=request.proposed_new_state)
        planned = _plan_block(block, proposed, creating=prior is None)
        if prior is None and "tags_all" in block["attributes"] and planned.get("tags_all") is Unknown:
            planned["tags_all"] = self._tags_all(proposed.get("tags"))
        return pb.PlanResourceChange.Response(planned_state=to_dynamic_value(planned))

    def _tags_all(self, tags: Any) -> Any:
        if tags is Unknown or self.default_tags is Unknown:
            return Unknown
        merged = {**self.default_tags, **(tags or {})}
        if any(v is Unknown for v in merged.values()):
            return Unknown
        return merged or Unknown

    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        diags = Diagnostics().add_error(*REFUSED)
        return pb.ApplyResourceChange.Response(diagnostics=diags.to_pb())

    def ImportResourceState(self, request: Any, context: Any) -> Any:
        diags = Diagnostics().add_error(*REFUSED)
        return pb.ImportResourceState.Response(diagnostics=diags.to_pb())

    # ------------------------------------------------------------------------------------------ data sources
    def ReadDataSource(self, request: Any, context: Any) -> Any:
        config = read_dynamic_value(request.config) or {}
        block = self._block("data_source_schemas", request.type_name) or {"attributes": {}, "block_types": {}}
        state = {name: config.get(name) for name in (*block["attributes"], *block["block_types"])}
        diags = Diagnostics()
        try:
            state.update(self._answer(request.type_name, config))
        except policy_document.PolicyDocumentError as exc:
            diags.add_error(str(exc))
            return pb.ReadDataSource.Response(diagnostics=diags.to_pb())
        return pb.ReadDataSource.Response(state=to_dynamic_value(state), diagnostics=diags.to_pb())

    def _answer(self, type_name: str, config: dict[str, Any]) -> dict[str, Any]:
        region = config.get("region") or self.region
        partition = partition_of(region)
        if type_name == "aws_partition":
            return {**partition, "id": partition["partition"]}
        if type_name == "aws_region":
            return {
                "region": region,
                "name": region,
                "id": region,
                "endpoint": f"ec2.{region}.{partition['dns_suffix']}",
                "description": region_description(region),
            }
        if type_name == "aws_caller_identity":
            return {
                "account_id": self.account_id,
                "id": self.account_id,
                "arn": f"arn:{partition['partition']}:iam::{self.account_id}:user/terraform-plan",
                "user_id": "AIDAPLANONLYLOCALUSER",
            }
        if type_name == "aws_iam_policy_document":
            return {**policy_document.render(config), "version": config.get("version") or "2012-10-17"}
        return {}


def _plan_block(block: dict[str, Any], proposed: dict[str, Any], creating: bool) -> dict[str, Any]:
    planned = dict(proposed)
    for name, attr in block["attributes"].items():
        if attr.get("computed") and planned.get(name) is None and creating:
            planned[name] = Unknown
    for name, entry in block["block_types"].items():
        value = planned.get(name)
        if value is None or value is Unknown:
            continue
        if entry["nesting_mode"] == "single":
            planned[name] = _plan_block(entry["block"], value, creating)
        elif isinstance(value, list):
            planned[name] = [
                _plan_block(entry["block"], item, creating) if isinstance(item, dict) else item for item in value
            ]
    return planned


def _validate_policy_document(diags: Diagnostics, config: dict[str, Any]) -> None:
    """The provider's validation functions for the document's arguments (shown by ``terraform validate``)."""
    version = config.get("version")
    if isinstance(version, str) and version not in ("2008-10-17", "2012-10-17"):
        diags.add_error(
            "Invalid value",
            f'expected version to be one of ["2008-10-17" "2012-10-17"], got {version}',
            path=["version"],
        )
    statements = config.get("statement")
    for i, stmt in enumerate(statements if isinstance(statements, list) else []):
        if not isinstance(stmt, dict):
            continue
        effect, sid = stmt.get("effect"), stmt.get("sid")
        if isinstance(effect, str) and effect not in ("Allow", "Deny"):
            diags.add_error(
                "Invalid value",
                f'expected statement.{i}.effect to be one of ["Allow" "Deny"], got {effect}',
                path=["statement", (i,), "effect"],
            )
        if isinstance(sid, str) and not _SID.match(sid):
            diags.add_error(
                "Invalid value",
                f"invalid value for statement.{i}.sid (must only include alphanumeric characters)",
                path=["statement", (i,), "sid"],
            )
    for name in ("source_policy_documents", "override_policy_documents"):
        documents = config.get(name)
        for i, text in enumerate(documents if isinstance(documents, list) else []):
            if isinstance(text, str):
                try:
                    json.loads(text)
                except ValueError as exc:
                    diags.add_error("Invalid JSON", f'"{name}.{i}" contains an invalid JSON: {exc}', path=[name, (i,)])


def main() -> None:
    """Entry point of the mirror's launcher: serve until Terraform stops the plugin."""
    import tf.runner

    # tf.runner instantiates tf.provider.ProviderServicer; answer with PlanServicer instead.
    tf.provider.ProviderServicer = PlanServicer  # type: ignore[misc]
    tf.runner.run_provider(_App(), sys.argv)


class _App:
    """The framework's provider object: only its name is read (by the ``--dev`` reattach mode)."""

    def full_name(self) -> str:
        return "registry.terraform.io/hashicorp/aws"


if __name__ == "__main__":
    main()
