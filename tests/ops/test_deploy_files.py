"""deploy/: the compose file (docker-compose config, no engine needed), the Kubernetes manifests (schemas of
Kubernetes 1.30, strict), the nginx locations (nginx -t), and every KISAAN_* they set is a real setting."""

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from kisaan_app.settings import Settings
from tests.services import unavailable

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE_ENV = {"KISAAN_SECRET_KEY": "s" * 40, "KISAAN_PUBLIC_URL": "https://k.example.in", "POSTGRES_PASSWORD": "pw"}
# Read by libraries or the platform rather than by Settings.
OTHER_VARIABLES = {"DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"}


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        unavailable(f"{name} (`make test` installs Debian's package)", FileNotFoundError(name))
    return found


def _compose(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KISAAN_", "POSTGRES_"))}
    return subprocess.run(
        [_tool("docker-compose"), "-f", str(DEPLOY / "docker-compose.yml"), "config"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _known(variables) -> None:
    fields = {f"KISAAN_{name.upper()}" for name in Settings.model_fields} | OTHER_VARIABLES
    unknown = {v for v in variables if v not in fields and not v.startswith("POSTGRES_")}
    assert not unknown, f"not settings the app reads: {unknown}"


def test_the_compose_file_has_a_proxy_two_web_nodes_workers_and_the_stores():
    done = _compose(COMPOSE_ENV)
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    assert {"proxy", "web-1", "web-2", "worker", "migrate", "postgres", "redis"} <= set(services)
    for name in ("web-1", "web-2"):
        web = services[name]
        assert web["command"][-2:] == ["serve", "--no-worker"]
        assert web["environment"]["KISAAN_ENV"] == "prod" and web["environment"]["REDIS_URL"].startswith("redis://")
        assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        _known(web["environment"])
    assert services["worker"]["deploy"]["replicas"] >= 2
    mounted = " ".join(
        services["proxy"]["volumes"]
        if isinstance(services["proxy"]["volumes"][0], str)
        else [v["source"] for v in services["proxy"]["volumes"]]
    )
    assert "kisaansay.conf" in mounted and "kisaansay-locations.conf" in mounted
    assert "3000" not in str(services["web-1"].get("ports", ""))  # only the proxy is published


def test_the_compose_file_refuses_to_start_without_its_secrets():
    done = _compose({k: v for k, v in COMPOSE_ENV.items() if k != "KISAAN_SECRET_KEY"})
    assert done.returncode != 0 and "KISAAN_SECRET_KEY" in done.stderr


def test_the_kubernetes_manifests_match_the_schemas():
    kustomization = yaml.safe_load((DEPLOY / "kubernetes" / "kustomization.yaml").read_text())
    kinds = []
    for name in kustomization["resources"]:
        for doc in yaml.safe_load_all((DEPLOY / "kubernetes" / name).read_text()):
            kubernetes_validate.validate(doc, "1.30.0", strict=True)  # raises on any mistake
            kinds.append(doc["kind"])
            if doc["kind"] == "ConfigMap":
                _known(doc["data"])
    assert {"Deployment", "Service", "Ingress", "Job", "ConfigMap"} <= set(kinds)
    with pytest.raises(kubernetes_validate.ValidationError):  # the validator does refuse a broken manifest
        kubernetes_validate.validate(
            {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": "two"}}, "1.30.0", strict=True
        )


def test_the_proxy_locations_pass_nginx_t(tmp_path):
    nginx = _tool("nginx")
    shutil.copy(DEPLOY / "nginx" / "kisaansay-locations.conf", tmp_path)
    (tmp_path / "nginx.conf").write_text(proxy_config(tmp_path, 18080, [18081, 18082]))
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr


def proxy_config(folder: Path, listen: int, web_ports: list[int]) -> str:
    """deploy/nginx/kisaansay.conf's shape for loopback web nodes, as an nginx.conf of its own (a test proxy)."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in web_ports)
    return textwrap.dedent(f"""\
        daemon off;
        pid {folder}/nginx.pid;
        error_log {folder}/error.log warn;
        events {{ worker_connections 256; }}
        http {{
            access_log off;
            client_body_temp_path {folder}/body;
            proxy_temp_path {folder}/proxy;
            fastcgi_temp_path {folder}/fastcgi;
            uwsgi_temp_path {folder}/uwsgi;
            scgi_temp_path {folder}/scgi;
            map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
            upstream kisaansay_web {{
        {servers}
                keepalive 32;
            }}
            server {{
                listen 127.0.0.1:{listen};
                include {folder}/kisaansay-locations.conf;
            }}
        }}
        """)
