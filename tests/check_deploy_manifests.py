"""Checks deploy/kubernetes/ without a cluster: every file parses as YAML, the
kustomization lists every manifest, and the pieces agree with each other and
with the image (deploy/Containerfile): the probes and the Prometheus
annotations name the port the service listens on, /healthz and /metrics; the
Service and the HorizontalPodAutoscaler point at the Deployment; the pod runs
as the image's non-root user with requests and limits.

Usage: python3 check_deploy_manifests.py REPO_ROOT. Exit 0 when all hold, 1
with one line per failed check, 77 when PyYAML is missing (a skip).
"""
import pathlib
import re
import sys

try:
    import yaml
except ImportError:
    print("check_deploy_manifests: SKIPPED: PyYAML is not installed (Debian: python3-yaml)")
    sys.exit(77)

root = pathlib.Path(sys.argv[1])
kdir = root / "deploy" / "kubernetes"
errors = []


def check(cond, message):
    if not cond:
        errors.append(message)
    return cond


docs = {}
for path in sorted(kdir.glob("*.yaml")):
    try:
        loaded = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as e:
        errors.append(f"{path.name}: not YAML: {e}")
        continue
    for d in loaded:
        if check(isinstance(d, dict) and "kind" in d and "apiVersion" in d,
                 f"{path.name}: a document without kind and apiVersion"):
            docs.setdefault(d["kind"], []).append((path.name, d))


def one(kind):
    found = docs.get(kind, [])
    check(len(found) == 1, f"expected one {kind}, found {len(found)}")
    return found[0][1] if found else {}


kust = one("Kustomization")
listed = set(kust.get("resources", []))
on_disk = {p.name for p in kdir.glob("*.yaml")} - {"kustomization.yaml"}
check(listed == on_disk, f"kustomization resources {sorted(listed)} != files {sorted(on_disk)}")

dep = one("Deployment")
check(dep.get("apiVersion") == "apps/v1", "Deployment: apiVersion apps/v1")
name = dep.get("metadata", {}).get("name")
spec = dep.get("spec", {})
selector = spec.get("selector", {}).get("matchLabels", {})
template = spec.get("template", {})
labels = template.get("metadata", {}).get("labels", {})
check(selector and all(labels.get(k) == v for k, v in selector.items()),
      "Deployment: the selector does not match the pod template's labels")
pod = template.get("spec", {})
containers = pod.get("containers", [])
check(len(containers) == 1, "Deployment: one container expected")
c = containers[0] if containers else {}

# The port the service listens on (--listen HOST:PORT in args) is the
# container port the probes and the annotations use.
args = [str(a) for a in c.get("args", [])]
listen_port = None
if check("--listen" in args and args.index("--listen") + 1 < len(args), "Deployment: args without --listen"):
    m = re.fullmatch(r"0\.0\.0\.0:(\d+)", args[args.index("--listen") + 1])
    if check(m is not None, "Deployment: --listen must be 0.0.0.0:PORT (reachable from the kubelet)"):
        listen_port = int(m.group(1))
check(args[:1] == ["serve"], "Deployment: args must start with 'serve' (the image's entrypoint is streamopt)")
ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
check(ports.get("http") == listen_port, f"Deployment: containerPort 'http' {ports.get('http')} != --listen port {listen_port}")

for probe in ("readinessProbe", "livenessProbe"):
    get = c.get(probe, {}).get("httpGet", {})
    check(get.get("path") == "/healthz", f"Deployment: {probe} must GET /healthz")
    port = get.get("port")
    check(port == "http" or port == listen_port, f"Deployment: {probe} port {port} is not the service's")

res = c.get("resources", {})
for kind in ("requests", "limits"):
    for what in ("cpu", "memory"):
        check(what in res.get(kind, {}), f"Deployment: resources.{kind}.{what} missing")

ann = template.get("metadata", {}).get("annotations", {})
check(ann.get("prometheus.io/scrape") == "true", "Deployment: prometheus.io/scrape must be the string \"true\"")
check(ann.get("prometheus.io/path") == "/metrics", "Deployment: prometheus.io/path must be /metrics")
check(ann.get("prometheus.io/port") == str(listen_port), "Deployment: prometheus.io/port must be the --listen port, quoted")

# The user: the pod's runAsUser is the image's numeric USER.
containerfile = (root / "deploy" / "Containerfile").read_text()
users = re.findall(r"^USER\s+(\d+)", containerfile, re.MULTILINE)
psc = pod.get("securityContext", {})
csc = c.get("securityContext", {})
check(psc.get("runAsNonRoot") is True, "Deployment: securityContext.runAsNonRoot must be true")
check(users and psc.get("runAsUser") == int(users[-1]),
      f"Deployment: runAsUser {psc.get('runAsUser')} is not the image's USER {users[-1:] or '(none, or not numeric)'}")
check(csc.get("allowPrivilegeEscalation") is False, "Deployment: allowPrivilegeEscalation must be false")
check(csc.get("readOnlyRootFilesystem") is True, "Deployment: readOnlyRootFilesystem must be true")
exposed = re.findall(r"^EXPOSE\s+(\d+)", containerfile, re.MULTILINE)
check(str(listen_port) in exposed, f"Containerfile: EXPOSE {exposed} does not include the --listen port {listen_port}")
image = c.get("image", "")
check(any(image.split(":")[0] == i.get("name") for i in kust.get("images", [])),
      f"Kustomization: images does not name the Deployment's image {image}")

svc = one("Service")
check(all(svc.get("spec", {}).get("selector", {}).get(k) == v for k, v in labels.items() if k in selector),
      "Service: the selector does not select the Deployment's pods")
for p in svc.get("spec", {}).get("ports", []):
    t = p.get("targetPort")
    check(t == "http" or t == listen_port, f"Service: targetPort {t} is not the container's port")
check(svc.get("spec", {}).get("sessionAffinity") == "ClientIP",
      "Service: sessionAffinity ClientIP (sessions are in-process state)")

hpa = one("HorizontalPodAutoscaler")
check(hpa.get("apiVersion") == "autoscaling/v2", "HorizontalPodAutoscaler: apiVersion autoscaling/v2")
ref = hpa.get("spec", {}).get("scaleTargetRef", {})
check(ref.get("kind") == "Deployment" and ref.get("name") == name,
      "HorizontalPodAutoscaler: scaleTargetRef is not the Deployment")
hs = hpa.get("spec", {})
check(1 <= hs.get("minReplicas", 0) <= hs.get("maxReplicas", 0), "HorizontalPodAutoscaler: 1 <= minReplicas <= maxReplicas")
check(any(m.get("resource", {}).get("name") == "cpu" for m in hs.get("metrics", [])),
      "HorizontalPodAutoscaler: no CPU metric")

for e in errors:
    print(f"check_deploy_manifests: FAILED: {e}")
if not errors:
    print(f"check_deploy_manifests: {sum(len(v) for v in docs.values())} manifests consistent")
sys.exit(1 if errors else 0)
