"""The hashicorp/aws provider schema, extracted from the jsii manifest in the PyPI wheel ``cdktn-provider-aws``.

The wheel carries ``_jsii/provider-aws@<version>.jsii.tgz``; its ``package/.jsii`` manifest describes every resource
and data source as a class ("Represents a {@link …/docs/resources/s3_bucket aws_s3_bucket}") whose initializer takes
a ``…Config`` interface. Each config property is an argument or a nested block (an interface type), ``optional``
unless Terraform requires it, and documented with a registry link whose anchor is the snake_case Terraform name.
The package is never imported (that would start node); the manifest is read as JSON and the result cached under
``.cache/tfcheck/`` keyed by the wheel version, so only the first run pays the ~10 s extraction.
"""

from __future__ import annotations

import json
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contextual_targeting.tfcheck import REPO_ROOT

CACHE_FORMAT = 2
_LOADED: dict[Path, ProviderSchema] = {}  # per process: tests validate many trees
_REPRESENTS = re.compile(r"docs/(resources|data-sources)/([a-z0-9_]+)\s+(aws_[a-z0-9_]+)\}")
_PROVIDER_VERSION = re.compile(r"registry\.terraform\.io/providers/hashicorp/aws/([0-9][^/]*)/docs")
_ANCHOR = re.compile(r"/docs/[^#\s]+#([A-Za-z0-9_]+)[\s}]")
# jsii renames a few names that clash with construct members; getters may carry these suffixes
_RENAMED_SUFFIXES = ("Attribute",)


@dataclass
class Block:
    """Arguments and nested blocks of a resource, data source or nested block."""

    arguments: dict[str, bool] = field(default_factory=dict)  # name -> required
    blocks: dict[str, Block] = field(default_factory=dict)
    required_blocks: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {
            "arguments": self.arguments,
            "blocks": {name: block.to_json() for name, block in sorted(self.blocks.items())},
            "required_blocks": sorted(self.required_blocks),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        return cls(
            arguments=dict(data["arguments"]),
            blocks={name: cls.from_json(inner) for name, inner in data["blocks"].items()},
            required_blocks=set(data["required_blocks"]),
        )

    def names(self) -> set[str]:
        return set(self.arguments) | set(self.blocks)


@dataclass
class TypeSchema:
    body: Block
    attributes: set[str]  # readable attributes (arguments + computed)


@dataclass
class ProviderSchema:
    wheel_version: str
    provider_version: str
    resources: dict[str, TypeSchema]
    data_sources: dict[str, TypeSchema]
    provider: Block = field(default_factory=Block)  # the `provider "aws"` block

    def lookup(self, kind: str, type_name: str) -> TypeSchema | None:
        table = self.resources if kind == "resource" else self.data_sources
        return table.get(type_name)


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _prop_name(prop: dict[str, Any]) -> str:
    docs = prop.get("docs", {})
    for text in (docs.get("summary", ""), docs.get("remarks", "")):
        match = _ANCHOR.search(text + " ")
        if match:
            return match.group(1)
    return _camel_to_snake(prop["name"])


def _interface_fqn(type_ref: dict[str, Any]) -> str | None:
    """The provider interface a property type refers to (a nested block), if any."""
    if "fqn" in type_ref:
        fqn = type_ref["fqn"]
        return fqn if isinstance(fqn, str) and fqn.startswith("@cdktn/provider-aws.") else None
    if "collection" in type_ref:
        return _interface_fqn(type_ref["collection"]["elementtype"])
    if "union" in type_ref:
        for inner in type_ref["union"]["types"]:
            fqn = _interface_fqn(inner)
            if fqn:
                return fqn
    return None


def _block(types: dict[str, Any], fqn: str, depth: int = 0) -> Block:
    block = Block()
    if depth > 12:
        return block
    for prop in types[fqn].get("properties", []):
        name = _prop_name(prop)
        required = not prop.get("optional", False)
        nested = _interface_fqn(prop["type"])
        if nested and types.get(nested, {}).get("kind") == "interface":
            block.blocks[name] = _block(types, nested, depth + 1)
            if required:
                block.required_blocks.add(name)
        else:
            block.arguments[name] = required
    return block


def extract(manifest: dict[str, Any]) -> tuple[str, dict[str, TypeSchema], dict[str, TypeSchema]]:
    types: dict[str, Any] = manifest["types"]
    resources: dict[str, TypeSchema] = {}
    data_sources: dict[str, TypeSchema] = {}
    provider_version = ""
    for cls in types.values():
        if cls.get("kind") != "class":
            continue
        summary = cls.get("docs", {}).get("summary", "")
        match = _REPRESENTS.search(summary)
        if not match or not summary.startswith("Represents"):
            continue
        if not provider_version:
            version = _PROVIDER_VERSION.search(summary)
            provider_version = version.group(1) if version else ""
        params = cls.get("initializer", {}).get("parameters", [])
        config = next((p["type"].get("fqn") for p in params if p["name"] == "config"), None)
        if not config or config not in types:
            continue
        body = _block(types, config)
        attributes = set(body.names())
        for prop in cls.get("properties", []):
            if prop.get("static") or prop["name"].endswith("Input"):
                continue
            getter = prop["name"]
            for suffix in _RENAMED_SUFFIXES:
                if getter.endswith(suffix) and len(getter) > len(suffix):
                    attributes.add(_camel_to_snake(getter[: -len(suffix)]))
            attributes.add(_camel_to_snake(getter))
        attributes.add("id")
        table = resources if match.group(1) == "resources" else data_sources
        table[match.group(3)] = TypeSchema(body=body, attributes=attributes)
    return provider_version, resources, data_sources


def find_manifest(site_packages: Path | None = None) -> Path:
    if site_packages is None:
        import importlib.util

        spec = importlib.util.find_spec("cdktn_provider_aws")  # locates the package without importing it
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError("the cdktn-provider-aws wheel is not installed in this environment")
        package_dir = Path(next(iter(spec.submodule_search_locations)))
    else:
        package_dir = site_packages / "cdktn_provider_aws"
    manifests = sorted((package_dir / "_jsii").glob("provider-aws@*.jsii.tgz"))
    if not manifests:
        raise FileNotFoundError(f"no provider-aws@*.jsii.tgz under {package_dir / '_jsii'}")
    return manifests[-1]


def _wheel_version(manifest_path: Path) -> str:
    return manifest_path.name.removeprefix("provider-aws@").removesuffix(".jsii.tgz")


def _read_manifest(manifest_path: Path) -> dict[str, Any]:
    with tarfile.open(manifest_path, "r:gz") as archive:
        member = archive.extractfile("package/.jsii")
        if member is None:
            raise FileNotFoundError(f"{manifest_path} has no package/.jsii")
        return json.loads(member.read())  # type: ignore[no-any-return]


def _to_json(schema: ProviderSchema) -> dict[str, Any]:
    def table(entries: dict[str, TypeSchema]) -> dict[str, Any]:
        return {
            name: {"body": entry.body.to_json(), "attributes": sorted(entry.attributes)}
            for name, entry in sorted(entries.items())
        }

    return {
        "format": CACHE_FORMAT,
        "wheel_version": schema.wheel_version,
        "provider_version": schema.provider_version,
        "resources": table(schema.resources),
        "data_sources": table(schema.data_sources),
        "provider": schema.provider.to_json(),
    }


def _from_json(data: dict[str, Any]) -> ProviderSchema:
    def table(entries: dict[str, Any]) -> dict[str, TypeSchema]:
        return {
            name: TypeSchema(body=Block.from_json(entry["body"]), attributes=set(entry["attributes"]))
            for name, entry in entries.items()
        }

    return ProviderSchema(
        wheel_version=data["wheel_version"],
        provider_version=data["provider_version"],
        resources=table(data["resources"]),
        data_sources=table(data["data_sources"]),
        provider=Block.from_json(data["provider"]),
    )


def load_schema(cache_dir: Path | None = None, manifest_path: Path | None = None) -> ProviderSchema:
    """The provider schema, from ``.cache/tfcheck/aws-schema-<wheel version>.json`` or extracted and cached."""
    manifest_path = manifest_path or find_manifest()
    cache_dir = cache_dir or REPO_ROOT / ".cache" / "tfcheck"
    version = _wheel_version(manifest_path)
    cache_file = cache_dir / f"aws-schema-{version}.json"
    if cache_file in _LOADED:
        return _LOADED[cache_file]
    if cache_file.exists():
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
            if data.get("format") == CACHE_FORMAT and data.get("wheel_version") == version:
                _LOADED[cache_file] = _from_json(data)
                return _LOADED[cache_file]
        except (OSError, ValueError, KeyError):
            pass
    manifest = _read_manifest(manifest_path)
    provider_version, resources, data_sources = extract(manifest)
    provider_config = "@cdktn/provider-aws.provider.AwsProviderConfig"
    provider = _block(manifest["types"], provider_config) if provider_config in manifest["types"] else Block()
    schema = ProviderSchema(version, provider_version, resources, data_sources, provider)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(_to_json(schema), separators=(",", ":")), encoding="utf-8")
    tmp.replace(cache_file)
    _LOADED[cache_file] = schema
    return schema
