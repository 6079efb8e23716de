"""hashicorp/aws 6.69.1 in Terraform's schema form, converted from the jsii manifest of ``cdktn-provider-aws``.

The wheel carries ``_jsii/provider-aws@<version>.jsii.tgz``; its ``package/.jsii`` manifest (read as JSON, never
imported: that would start node) describes each resource and data source as a
class whose initializer takes a ``…Config`` interface:

* a config property is an **argument** (``optional`` in jsii unless Terraform requires it); an interface-typed one
  documented as "``x`` block." is a **nested block**: an array of interfaces is a list block, a single interface a
  list block with ``max_items = 1`` (how the generator renders the provider's ``MaxItems: 1`` lists), except
  ``timeouts``, which the provider SDKs declare with single nesting; a required block has ``min_items = 1``;
* a getter of the class (or of a block's ``…OutputReference``) that is not a config property is **computed**;
  complex getters (``…List`` / ``…OutputReference`` / ``…Map`` classes) become lists, objects and maps of objects.

What the manifest does not carry, and how it is approximated (stated in the README's verified/assumed list):
list vs set (both are jsii arrays: served as lists), optional+computed arguments (served as optional, except
``id``, ``tags_all`` and a data source's own arguments, which are optional+computed), ``sensitive`` (never set)
and provider-side defaults (none, except ``tags_all``, planned by :mod:`.server`).
The result is cached as JSON under ``.cache/tfprovider/`` keyed by the wheel version.
"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path
from typing import Any

CACHE_FORMAT = 2
_REPRESENTS = re.compile(r"docs/(resources|data-sources)/([a-z0-9_]+)\s+(aws_[a-z0-9_]+)\}")
_ANCHOR = re.compile(r"/docs/[^#\s]+#([A-Za-z0-9_]+)[\s}]")
_SCALAR_MAPS = {"cdktn.StringMap": "string", "cdktn.NumberMap": "number", "cdktn.BooleanMap": "bool"}
_SKIP_GETTERS = {"internalValue", "fqn", "creationStack", "terraformAttribute", "terraformResource"}
DYNAMIC = "dynamic"


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _prop_name(prop: dict[str, Any]) -> str:
    docs = prop.get("docs", {})
    for text in (docs.get("summary", ""), docs.get("remarks", "")):
        match = _ANCHOR.search(text + " ")
        if match:
            return match.group(1)
    return _snake(prop["name"])


def _strip_resolvable(ref: dict[str, Any]) -> dict[str, Any]:
    if "union" in ref:
        options = [t for t in ref["union"]["types"] if t.get("fqn") != "cdktn.IResolvable"]
        if len(options) == 1:
            return _strip_resolvable(options[0])
        if any(t.get("primitive") == "boolean" for t in options):
            return {"primitive": "boolean"}
    return ref


class Converter:
    def __init__(self, types: dict[str, Any]) -> None:
        self.types = types

    # ---------------------------------------------------------------------------------------------- types
    def cty(self, ref: dict[str, Any], getter: bool = False, depth: int = 0) -> Any:
        """The Terraform type (JSON form) of a jsii type reference."""
        if depth > 10:
            return DYNAMIC
        if "union" in ref:
            stripped = _strip_resolvable(ref)
            return self.cty(stripped, getter, depth + 1) if "union" not in stripped else DYNAMIC
        if "primitive" in ref:
            return {"string": "string", "number": "number", "boolean": "bool"}.get(ref["primitive"], DYNAMIC)
        if "collection" in ref:
            kind = "list" if ref["collection"]["kind"] == "array" else "map"
            return [kind, self.cty(ref["collection"]["elementtype"], getter, depth + 1)]
        fqn = ref.get("fqn", "")
        if fqn == "cdktn.IResolvable":
            return "bool" if getter else DYNAMIC  # the generator types computed booleans as IResolvable
        if fqn in _SCALAR_MAPS:
            return ["map", _SCALAR_MAPS[fqn]]
        if fqn == "cdktn.AnyMap":
            return ["map", DYNAMIC]
        target = self.types.get(fqn)
        if target is None:
            return DYNAMIC
        if target["kind"] == "interface":
            return [
                "object",
                {_prop_name(p): self.cty(p["type"], False, depth + 1) for p in target.get("properties", [])},
            ]
        element = self._element_class(target)
        if element is not None:
            obj = self._object_of_class(element, depth + 1)
            if fqn.endswith("Map"):
                return ["map", obj]
            return ["list", obj]
        if fqn.endswith("OutputReference"):
            return self._object_of_class(target, depth + 1)
        return DYNAMIC

    def _element_class(self, cls: dict[str, Any]) -> dict[str, Any] | None:
        for method in cls.get("methods", []):
            if method["name"] == "get":
                fqn = method.get("returns", {}).get("type", {}).get("fqn", "")
                return self.types.get(fqn)
        return None

    def _getters(self, cls: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            p
            for p in cls.get("properties", [])
            if not p.get("static") and not p["name"].endswith("Input") and p["name"] not in _SKIP_GETTERS
        ]

    def _object_of_class(self, cls: dict[str, Any], depth: int) -> Any:
        return ["object", {_snake(p["name"]): self.cty(p["type"], True, depth + 1) for p in self._getters(cls)}]

    # ---------------------------------------------------------------------------------------------- blocks
    def block(self, interface_fqn: str, output_class: dict[str, Any] | None, data_source: bool, depth: int = 0):
        attributes: dict[str, Any] = {}
        block_types: dict[str, Any] = {}
        interface = self.types[interface_fqn]
        configured: set[str] = set()
        for prop in interface.get("properties", []):
            name = _prop_name(prop)
            configured.add(prop["name"])
            required = not prop.get("optional", False)
            ref = _strip_resolvable(prop["type"])
            summary = prop.get("docs", {}).get("summary", "")
            nested_fqn, is_list = None, False
            if "collection" in ref and ref["collection"]["kind"] == "array":
                inner = ref["collection"]["elementtype"].get("fqn")
                if inner and self.types.get(inner, {}).get("kind") == "interface":
                    nested_fqn, is_list = inner, True
            elif self.types.get(ref.get("fqn", ""), {}).get("kind") == "interface":
                nested_fqn = ref["fqn"]
            if nested_fqn and summary.rstrip().endswith("block.") and depth < 12:
                nested_out = self._output_class_for(nested_fqn)
                body = self.block(nested_fqn, nested_out, data_source, depth + 1)
                entry: dict[str, Any] = {"block": body}
                if name == "timeouts":
                    entry["nesting_mode"] = "single"
                else:
                    entry["nesting_mode"] = "list"
                    if not is_list:
                        entry["max_items"] = 1
                    if required:
                        entry["min_items"] = 1
                block_types[name] = entry
                continue
            attribute: dict[str, Any] = {"type": self.cty(prop["type"])}
            if required:
                attribute["required"] = True
            else:
                attribute["optional"] = True
                if name in ("id", "tags_all") or (data_source and depth == 0):
                    attribute["computed"] = True
            attributes[name] = attribute
        if output_class is not None:
            for getter in self._getters(output_class):
                if getter["name"] in configured:
                    continue
                name = _snake(getter["name"])
                if name in attributes or name in block_types or name == "tf_resource_type":
                    continue
                attributes[name] = {"type": self.cty(getter["type"], getter=True), "computed": True}
        return {"attributes": attributes, "block_types": block_types}

    def _output_class_for(self, interface_fqn: str) -> dict[str, Any] | None:
        return self.types.get(interface_fqn + "OutputReference")


def convert(manifest: dict[str, Any]) -> dict[str, Any]:
    """``{"provider": block, "resource_schemas": {type: block}, "data_source_schemas": {type: block}}``."""
    types: dict[str, Any] = manifest["types"]
    converter = Converter(types)
    resources: dict[str, Any] = {}
    data_sources: dict[str, Any] = {}
    for cls in types.values():
        if cls.get("kind") != "class":
            continue
        summary = cls.get("docs", {}).get("summary", "")
        match = _REPRESENTS.search(summary)
        if not match or not summary.startswith("Represents"):
            continue
        params = cls.get("initializer", {}).get("parameters", [])
        config = next((p["type"].get("fqn") for p in params if p["name"] == "config"), None)
        if not config or config not in types:
            continue
        is_data = match.group(1) == "data-sources"
        block = converter.block(config, cls, is_data)
        block["attributes"].setdefault("id", {"type": "string", "optional": True, "computed": True})
        (data_sources if is_data else resources)[match.group(3)] = block
    provider_config = "@cdktn/provider-aws.provider.AwsProviderConfig"
    provider = converter.block(provider_config, None, False)
    provider["attributes"].pop("alias", None)  # meta-argument, not part of the provider's schema
    provider["attributes"].pop("id", None)
    return {"provider": provider, "resource_schemas": resources, "data_source_schemas": data_sources}


def find_manifest(site_packages: Path | None = None) -> Path:
    """The jsii manifest archive of the installed ``cdktn-provider-aws`` wheel (located without importing it)."""
    if site_packages is None:
        import importlib.util

        spec = importlib.util.find_spec("cdktn_provider_aws")
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError("the cdktn-provider-aws wheel is not installed in this environment")
        package_dir = Path(next(iter(spec.submodule_search_locations)))
    else:
        package_dir = site_packages / "cdktn_provider_aws"
    manifests = sorted((package_dir / "_jsii").glob("provider-aws@*.jsii.tgz"))
    if not manifests:
        raise FileNotFoundError(f"no provider-aws@*.jsii.tgz under {package_dir / '_jsii'}")
    return manifests[-1]


def wheel_version(manifest_path: Path) -> str:
    return manifest_path.name.removeprefix("provider-aws@").removesuffix(".jsii.tgz")


def read_manifest(manifest_path: Path) -> dict[str, Any]:
    with tarfile.open(manifest_path, "r:gz") as archive:
        member = archive.extractfile("package/.jsii")
        if member is None:
            raise FileNotFoundError(f"{manifest_path} has no package/.jsii")
        return json.loads(member.read())  # type: ignore[no-any-return]


def default_cache_dir() -> Path:
    from contextual_targeting.tfcheck import REPO_ROOT

    return REPO_ROOT / ".cache" / "tfprovider"


def load(cache_dir: Path | None = None) -> dict[str, Any]:
    """The converted schema, from ``.cache/tfprovider/aws-schema-<wheel>.json`` or converted and cached."""
    manifest_path = find_manifest()
    cache_dir = cache_dir or default_cache_dir()
    cache_file = cache_dir / f"aws-schema-{wheel_version(manifest_path)}.json"
    if cache_file.exists():
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
            if data.get("format") == CACHE_FORMAT:
                return data  # type: ignore[no-any-return]
        except (OSError, ValueError):
            pass
    data = {"format": CACHE_FORMAT, **convert(read_manifest(manifest_path))}
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    tmp.replace(cache_file)
    return data
