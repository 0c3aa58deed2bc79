"""The Kubernetes manifests let Prometheus scrape every process (docs/operations.md
"Metrics"): scrape annotations on every pod, and an optional Prometheus Operator component
(a ServiceMonitor for the five Services, a NetworkPolicy letting Prometheus reach the
services' pods). Rendered by the real `kubectl kustomize`, like test_kubernetes.py."""

import os
from pathlib import Path
from typing import Any

import kubernetes_validate

from .test_kubernetes import APPS, K8S, KUBERNETES, TARGETS, of_kind, render

COMPONENT = K8S / "components" / "prometheus-operator"


def _with_component(tmp_path: Path) -> list[dict[str, Any]]:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\nnamespace: strata\n"
        f"resources:\n  - {os.path.relpath(K8S / 'overlays' / 'small', overlay)}\n"
        f"components:\n  - {os.path.relpath(COMPONENT, overlay)}\n"
    )
    return render(str(overlay))


def test_every_pod_of_every_target_is_annotated_for_scraping():
    for target in TARGETS:
        deployments = of_kind(render(target), "Deployment")
        assert set(deployments) == set(APPS), target
        for name, deployment in deployments.items():
            pod = deployment["spec"]["template"]
            annotations = pod["metadata"]["annotations"]
            assert annotations["prometheus.io/scrape"] == "true", (target, name)
            assert annotations["prometheus.io/path"] == "/metrics"
            ports = {p["containerPort"] for p in pod["spec"]["containers"][0]["ports"]}
            assert int(annotations["prometheus.io/port"]) in ports, (target, name)


def test_the_base_needs_no_prometheus_operator():
    for target in TARGETS:
        assert not of_kind(render(target), "ServiceMonitor"), target


def test_the_operator_component_scrapes_every_service_and_may_reach_them(tmp_path):
    docs = _with_component(tmp_path)
    (monitor,) = of_kind(docs, "ServiceMonitor").values()
    assert monitor["metadata"]["namespace"] == "strata"
    (expression,) = monitor["spec"]["selector"]["matchExpressions"]
    assert expression["key"] == "app.kubernetes.io/name"
    services = of_kind(docs, "Service")
    assert set(expression["values"]) == set(APPS) <= set(services)
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    for name in APPS:
        assert endpoint["port"] in {p["name"] for p in services[name]["spec"]["ports"]}, name
    policies = of_kind(docs, "NetworkPolicy")
    scrape = policies["strata-services-to-prometheus"]["spec"]
    base = policies["strata-services-from-gateway-only"]["spec"]
    assert scrape["podSelector"] == base["podSelector"]
    (rule,) = scrape["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
    assert "namespaceSelector" in rule["from"][0]
    for doc in docs:
        if doc["kind"] != "ServiceMonitor":  # a CRD: Kubernetes' own schemas do not know it
            for version in KUBERNETES:
                kubernetes_validate.validate(doc, version, strict=True)
