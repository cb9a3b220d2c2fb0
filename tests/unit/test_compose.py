"""docker-compose.yml and the Procfile, checked without running them.

No Docker engine runs where the suite is developed, so the deployable description is
kept honest statically: every process it starts exists in the repo, every service can
become healthy and waits for what it needs, every configuration name it sets is read
by the code, and no secret is written into the file.
"""
from __future__ import annotations

import ast
import fnmatch
import re
import shlex
import tomllib
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
PROCFILE = ROOT / "Procfile"
# The top-level packages pyproject.toml installs: the code that runs in the image.
CODE_DIRS = tuple(
    pattern.rstrip("*.")
    for pattern in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    ["tool"]["setuptools"]["packages"]["find"]["include"]
)

WEB_PORTS = {"gateway": 8000, "customer": 8001, "engagement": 8002, "feedback": 8003}
WORKERS = {"customer-worker", "engagement-worker", "feedback-worker", "gateway-worker"}
BACKING_IMAGES = {"mongo": "mongo:7", "rabbitmq": "rabbitmq:3.13-management"}
APP_SERVICES = set(WEB_PORTS) | WORKERS
EDGE = "nginx"   # the edge proxy in front of the gateway (official image, config in the repo)
MAIL_CATCHER = {"mailpit": "axllent/mailpit:v1.21"}   # outreach e-mail lands there (well-known image)
NGINX_CONF = ROOT / "deploy" / "nginx" / "nginx.conf"


# --- helpers -------------------------------------------------------------------------

@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def services() -> dict[str, dict]:
    return compose()["services"]


@cache
def procfile() -> dict[str, str]:
    processes = {}
    for line in PROCFILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        processes[name.strip()] = command.strip()
    return processes


def argv(command) -> list[str]:
    """The program and its arguments, without the ``NAME=value`` assignments a Procfile line may start with."""
    args = list(command) if isinstance(command, list) else shlex.split(command)
    return args[len(assignments(args)):]


def assignments(args: list[str]) -> dict[str, str]:
    out = {}
    for arg in args:
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", arg):
            break
        name, _, val = arg.partition("=")
        out[name] = val
    return out


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def entry_points(args: list[str]) -> list[tuple[str, str | None]]:
    """(module, attribute) for gunicorn's ``module:app``; (module, None) for ``-m module``."""
    found: list[tuple[str, str | None]] = []
    if "-m" in args:
        found.append((args[args.index("-m") + 1], None))
    if Path(args[0]).name == "gunicorn":
        spec = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")  # not 127.0.0.1:8000
        found += [(module, attr) for module, attr in (a.split(":") for a in args[1:] if spec.fullmatch(a))]
    return found


def module_path(module: str, *, main: bool) -> Path | None:
    """The file ``module`` imports from, as installed (regular packages only)."""
    parts = module.split(".")
    for depth in range(1, len(parts)):
        # setuptools' find_packages skips directories without __init__.py, so the
        # Docker image (pip install .) would not contain the module.
        if not ROOT.joinpath(*parts[:depth], "__init__.py").is_file():
            return None
    base = ROOT.joinpath(*parts)
    candidates = [base.with_suffix(".py")]
    candidates.append(base / ("__main__.py" if main else "__init__.py"))
    return next((p for p in candidates if p.is_file()), None)


def top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def has_main_guard(path: Path) -> bool:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) and "__name__" in ast.unparse(node.test):
            return True
    return path.name == "__main__.py"


def entry_point_problems(args: list[str]) -> list[str]:
    problems = []
    points = entry_points(args)
    if not points:
        problems.append(f"no `module:app` or `-m module` in {args}")
    for module, attr in points:
        path = module_path(module, main=attr is None)
        if path is None:
            problems.append(f"{module}: no such module file (or a parent lacks __init__.py)")
        elif attr is not None and attr not in top_level_names(path):
            problems.append(f"{module}:{attr}: {path.relative_to(ROOT)} defines no `{attr}`")
        elif attr is None and not has_main_guard(path):
            problems.append(f"-m {module}: {path.relative_to(ROOT)} has no `if __name__ == \"__main__\"`")
    return problems


@cache
def code_text() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for d in CODE_DIRS for p in sorted((ROOT / d).rglob("*.py"))
    )


# --- docker-compose.yml -------------------------------------------------------------

def test_compose_describes_the_whole_suite():
    assert set(services()) == set(BACKING_IMAGES) | APP_SERVICES | {EDGE} | set(MAIL_CATCHER)
    assert all(services()[n]["image"] == image for n, image in MAIL_CATCHER.items())


def test_backing_servers_use_the_official_images():
    for name, image in BACKING_IMAGES.items():
        assert services()[name]["image"] == image


def test_every_process_comes_from_the_one_dockerfile():
    assert (ROOT / "Dockerfile").is_file()
    for name in APP_SERVICES:
        build = services()[name].get("build")
        context = build.get("context") if isinstance(build, dict) else build
        assert context in (".", "./"), f"{name} is not built from the repo's Dockerfile"


def test_the_image_ships_every_package_pyproject_installs():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^COPY \. \.$", dockerfile, re.M), "the Dockerfile must copy the build context"
    ignored = [
        line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for package in CODE_DIRS + ("pyproject.toml",):
        assert not any(fnmatch.fnmatch(package, pattern) for pattern in ignored), f".dockerignore drops {package}"


def test_every_service_has_a_healthcheck_or_is_a_worker():
    for name, service in services().items():
        if name in WORKERS:
            continue
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"


def test_web_services_bind_all_interfaces_and_check_their_liveness_endpoint():
    for name, port in WEB_PORTS.items():
        service = services()[name]
        args = argv(service["command"])
        assert args[args.index("-b") + 1] == f"0.0.0.0:{port}", name
        test = " ".join(argv(service["healthcheck"]["test"]))
        assert f"http://127.0.0.1:{port}/healthz" in test, name


def test_depends_on_waits_for_healthy_services_that_can_become_healthy():
    for name, service in services().items():
        depends = service.get("depends_on") or {}
        assert isinstance(depends, dict), f"{name}: depends_on must name a condition"
        for dependency, spec in depends.items():
            assert (spec or {}).get("condition") == "service_healthy", f"{name} -> {dependency}"
            assert services()[dependency].get("healthcheck"), (
                f"{name} waits for {dependency} to be healthy, but {dependency} has no healthcheck")


def test_services_and_workers_start_after_their_database_and_broker():
    for name in APP_SERVICES - {"gateway"}:
        assert {"mongo", "rabbitmq"} <= set(services()[name]["depends_on"]), name


def test_gateway_starts_after_the_services_it_routes_to():
    assert {"customer", "engagement", "feedback"} <= set(services()["gateway"]["depends_on"])


def test_only_the_edge_proxy_is_published():
    published = [name for name, s in services().items() if s.get("ports") or s.get("network_mode") == "host"]
    assert sorted(published) == sorted([EDGE, *MAIL_CATCHER])
    # the mail catcher's inbox only on the machine itself
    assert all(p.startswith("127.0.0.1:") for n in MAIL_CATCHER for p in services()[n]["ports"])


def test_gateway_reaches_services_by_their_compose_names():
    env = environment(services()["gateway"])
    for name in ("customer", "engagement", "feedback"):
        assert env[f"CRM_{name.upper()}_URL"] == f"http://{name}:{WEB_PORTS[name]}"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_compose_commands_point_at_modules_in_the_repo(name):
    assert entry_point_problems(argv(services()[name]["command"])) == []


def test_every_crm_variable_compose_sets_is_read_by_the_code():
    names = {key for s in services().values() for key in environment(s) if key.startswith("CRM_")}
    assert names, "compose sets no CRM_* variables"
    unread = sorted(name for name in names if name not in code_text())
    assert unread == [], f"set in docker-compose.yml but read nowhere in {CODE_DIRS}: {unread}"


def test_secrets_are_required_from_the_environment_never_written_in():
    required = re.compile(r"\$\{\w+:\?[^}]*\}")
    for name, service in services().items():
        for key, value in environment(service).items():
            if re.search(r"(SECRET|PASSWORD|PASS)$", key):
                assert required.fullmatch(value), f"{name}.{key} must be ${{VAR:?message}}"
            # Credentials inside URLs: resolve ${X:-default} to its default and mark
            # ${X:?...} as required, then the password must be a required variable.
            resolved = required.sub("REQUIRED", re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value))
            if "://" in resolved:
                password = urlsplit(resolved).password
                assert password in (None, "REQUIRED"), f"{name}.{key} has a literal password"


# --- Procfile -----------------------------------------------------------------------

def test_procfile_runs_every_service_and_worker():
    assert set(procfile()) == APP_SERVICES


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_procfile_commands_point_at_modules_in_the_repo(name):
    assert entry_point_problems(argv(procfile()[name])) == []


def test_procfile_uses_the_virtualenv_and_loopback_ports():
    for name, command in procfile().items():
        args = argv(command)
        assert args[0].startswith(".venv/bin/"), f"{name} does not run from .venv"
        if name in WEB_PORTS:
            assert args[args.index("-b") + 1] == f"127.0.0.1:{WEB_PORTS[name]}", name


def test_each_worker_serves_its_metrics_on_a_port_of_its_own():
    # make run: four workers on one machine, each on loopback, none on another's port
    addrs = {name: assignments(shlex.split(procfile()[name])).get("CRM_WORKER_METRICS_ADDR") for name in WORKERS}
    assert all(a and a.startswith("127.0.0.1:") for a in addrs.values()), addrs
    assert len(set(addrs.values())) == len(WORKERS), addrs
    assert not set(addrs.values()) & {f"127.0.0.1:{p}" for p in WEB_PORTS.values()}
    # compose: a container each, reachable by Prometheus on the compose network, published nowhere
    for name in WORKERS:
        assert environment(services()[name])["CRM_WORKER_METRICS_ADDR"] == "0.0.0.0:9400", name
        assert services()[name].get("expose") == ["9400"], name


def test_procfile_sets_only_declared_variables():
    from chassis.config import VARIABLES
    for name, command in procfile().items():
        assert set(assignments(shlex.split(command))) <= set(VARIABLES), name


def test_procfile_and_compose_start_the_same_code():
    for name, command in procfile().items():
        assert entry_points(argv(command)) == entry_points(argv(services()[name]["command"])), name


def test_no_gunicorn_access_log_since_query_strings_may_carry_customer_data():
    # Searches by mobile or ID number put them in the query string; gunicorn's access
    # log would write them out. The chassis logs each request by path only.
    for name in ("Procfile", "docker-compose.yml", "Dockerfile"):
        assert "--access-logfile" not in (ROOT / name).read_text(), name
    assert gunicorn_conf().get("accesslog") is None


# --- one gunicorn configuration ---------------------------------------------------------

GUNICORN_CONF = "gunicorn.conf.py"
# Settings that belong in gunicorn.conf.py only, so no command line can drift from it.
WORKER_FLAGS = {"-w", "--workers", "-k", "--worker-class", "--threads", "--worker-connections",
                "-t", "--timeout", "--graceful-timeout", "--keep-alive"}


@cache
def gunicorn_conf() -> dict:
    namespace: dict = {}
    exec(compile((ROOT / GUNICORN_CONF).read_text(encoding="utf-8"), GUNICORN_CONF, "exec"), namespace)
    return namespace


def gunicorn_commands() -> dict[str, list[str]]:
    found = {f"Procfile {n}": argv(c) for n, c in procfile().items() if n in WEB_PORTS}
    found |= {f"compose {n}": argv(services()[n]["command"]) for n in WEB_PORTS}
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.M)
    assert cmd, "the Dockerfile has no exec-form CMD"
    found["Dockerfile CMD"] = yaml.safe_load(cmd.group(1))
    return found


def test_every_web_process_runs_with_the_one_gunicorn_configuration():
    for where, args in gunicorn_commands().items():
        assert Path(args[0]).name == "gunicorn", where
        assert args[args.index("-c") + 1] == GUNICORN_CONF, where
        assert not WORKER_FLAGS & set(args), f"{where} overrides {GUNICORN_CONF}"
    # The e2e tests and the benchmarks (which start the tests' suite) run what ships.
    support = (ROOT / "tests" / "support.py").read_text(encoding="utf-8")
    assert f'"{GUNICORN_CONF}"' in support
    assert not {flag for flag in WORKER_FLAGS if f'"{flag}"' in support}
    assert "support.Suite" in (ROOT / "bench" / "bench_gateway.py").read_text(encoding="utf-8")


def test_the_gunicorn_configuration_survives_slow_clients():
    conf = gunicorn_conf()
    # Not sync: its only thread is held by one slow client (issue #9). gthread reads each
    # request in a thread of a pool; a client stalling mid-request holds one thread.
    assert conf["worker_class"] == "gthread"
    assert conf["workers"] * conf["threads"] >= 32
    assert conf["worker_connections"] > conf["threads"]
    # The image ships the file (the commands above name it relative to WORKDIR).
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert GUNICORN_CONF not in ignored and re.search(r"^WORKDIR /app$", (ROOT / "Dockerfile").read_text(), re.M)


# --- the edge proxy (nginx) ---------------------------------------------------------------

def nginx_tokens(text: str):
    """nginx's lexical rules: words, quoted strings, `{`, `}`, `;`; `#` starts a comment."""
    for m in re.finditer(r"#[^\n]*|'((?:\\.|[^'\\])*)'|\"((?:\\.|[^\"\\])*)\"|([{};])|([^\s{};'\"#]+)", text):
        if m.group(0).startswith("#"):
            continue
        single, double, punct, word = m.groups()
        yield ("word", single if single is not None else double) if punct is None and word is None \
            else ("punct", punct) if punct else ("word", word)


def parse_nginx(text: str) -> list:
    """[(directive, [args], block or None)]; raises on unbalanced braces or a missing `;`."""
    stack: list[list] = [[]]
    words: list[str] = []
    for kind, value in nginx_tokens(text):
        if kind == "word":
            words.append(value)
        elif value == ";":
            assert words, "empty statement"
            stack[-1].append((words[0], words[1:], None))
            words = []
        elif value == "{":
            assert words, "block without a directive"
            block: list = []
            stack[-1].append((words[0], words[1:], block))
            stack.append(block)
            words = []
        else:
            assert not words, f"missing ';' after {words}"
            assert len(stack) > 1, "unbalanced '}'"
            stack.pop()
    assert not words and len(stack) == 1, "unterminated statement or block"
    return stack[0]


@cache
def nginx() -> list:
    return parse_nginx(NGINX_CONF.read_text(encoding="utf-8"))


def block(statements: list, name: str, *args: str) -> list:
    found = [b for d, a, b in statements if d == name and b is not None and (not args or a == list(args))]
    assert len(found) == 1, f"expected one {name} {' '.join(args)} block"
    return found[0]


def value(statements: list, name: str) -> list[str] | None:
    found = [a for d, a, b in statements if d == name and b is None]
    assert len(found) <= 1, f"{name} set twice"
    return found[0] if found else None


def nginx_size(text: str) -> int:
    units = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    return int(text[:-1]) * units[text[-1].lower()] if text[-1].lower() in units else int(text)


def seconds(text: str) -> float:
    return float(text[:-1]) * (60 if text.endswith("m") else 1) if text[-1] in "sm" else float(text)


def test_the_nginx_parser_refuses_broken_configs():
    assert parse_nginx("a b 'c d';  # note\nx { y \"z;\"; }") == [("a", ["b", "c d"], None),
                                                                ("x", [], [("y", ["z;"], None)])]
    for broken in ("a {", "a }", "a b", "a { b }", "{ a; }"):
        with pytest.raises(AssertionError):
            parse_nginx(broken)


def test_the_edge_proxy_is_the_official_nginx_with_the_repos_config():
    edge = services()[EDGE]
    # The official nginx image plus the console's built files (a multi-stage build whose last
    # stage is that image and adds nothing but /usr/share/nginx/console).
    assert edge["build"] == {"context": ".", "dockerfile": "deploy/console.Dockerfile"}
    stages = [line.split() for line in (ROOT / "deploy" / "console.Dockerfile").read_text().splitlines()
              if line.startswith(("FROM ", "COPY ", "RUN "))]
    last = max(i for i, words in enumerate(stages) if words[0] == "FROM")
    assert re.fullmatch(r"nginx:[\w.-]+-alpine|nginx:[\w.-]+", stages[last][1])
    assert stages[last + 1:] == [["COPY", "--from=web", "/web/dist", "/usr/share/nginx/console"]]
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in edge["volumes"]
    assert edge["depends_on"] == {"gateway": {"condition": "service_healthy"}}
    assert NGINX_CONF.is_file() and nginx()


def test_the_edge_publishes_the_port_it_listens_on_and_checks_its_own_health():
    server = block(block(nginx(), "http"), "server")
    listen = value(server, "listen")[0]
    published = [p.rsplit(":", 1)[1] for p in services()[EDGE]["ports"]]
    assert published == [listen]
    health = " ".join(argv(services()[EDGE]["healthcheck"]["test"]))
    assert f"http://127.0.0.1:{listen}/nginx-health" in health
    assert value(block(server, "location", "=", "/nginx-health"), "deny") == ["all"]


def test_the_edge_passes_everything_to_the_gateway_service():
    http = block(nginx(), "http")
    upstream = block(http, "upstream", "gateway")
    assert value(upstream, "server") == [f"gateway:{WEB_PORTS['gateway']}"]
    locations = [(a, b) for d, a, b in block(http, "server") if d == "location" and not a[0].startswith("@")]
    proxied = [a for a, b in locations if value(b, "proxy_pass")]
    assert ["/"] in proxied
    for args, body in locations:
        assert value(body, "proxy_pass") in (["http://gateway"], None), args
        if args[-1].startswith("/console/"):   # the console's built files, served by nginx itself
            assert value(body, "root") == ["/usr/share/nginx"] and value(body, "try_files"), args
            continue
        assert value(body, "proxy_pass") or value(body, "return"), f"location {args} neither proxies nor answers"


def test_the_edge_buffers_and_bounds_requests_like_the_application():
    from chassis.config import VARIABLES
    http = block(nginx(), "http")
    server = block(http, "server")
    # Whole requests in, whole answers out: slow clients never reach a gateway thread.
    assert value(http, "proxy_request_buffering") == ["on"] and value(http, "proxy_buffering") == ["on"]
    assert value(http, "proxy_http_version") == ["1.1"]
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout", "keepalive_timeout",
                 "proxy_connect_timeout", "proxy_read_timeout"):
        assert 0 < seconds(value(http, name)[0]) <= 60, name
    # The same body limits as chassis/config.py's defaults; imports their own, larger one.
    assert nginx_size(value(http, "client_max_body_size")[0]) == int(VARIABLES["CRM_MAX_BODY_BYTES"][0])
    imports = [(a, b) for d, a, b in server if d == "location" and "imports" in " ".join(a)]
    assert len(imports) == 1
    (modifier, pattern), body = imports[0]
    assert modifier == "~"
    assert all(re.search(pattern, p) for p in ("/api/v1/imports", "/api/v1/imports/x"))
    assert not re.search(pattern, "/api/v1/importsx")
    assert nginx_size(value(body, "client_max_body_size")[0]) == int(VARIABLES["CRM_MAX_IMPORT_BYTES"][0])
    assert value(body, "proxy_pass") == ["http://gateway"]
    # nginx's own 413 in the API's problem+json, not an HTML page.
    pages = {code: a[-1] for d, a, b in server if d == "error_page" for code in a[:-1]}
    too_large = block(server, "location", pages["413"])
    assert value(too_large, "default_type") == ["application/problem+json"]
    assert json_body(value(too_large, "return"))["status"] == 413


def json_body(args: list[str]) -> dict:
    import json
    return json.loads(args[1])


def test_the_edge_keeps_connections_to_the_gateway_shorter_than_gunicorn_does():
    upstream = block(block(nginx(), "http"), "upstream", "gateway")
    assert int(value(upstream, "keepalive")[0]) > 0
    # Reusing a connection gunicorn is closing would fail a request now and then.
    assert seconds(value(upstream, "keepalive_timeout")[0]) < gunicorn_conf()["keepalive"]


def test_the_edge_names_the_client_and_the_gateway_trusts_exactly_that_hop():
    server = block(block(nginx(), "http"), "server")
    headers = {a[0]: a[1] for d, a, b in server if d == "proxy_set_header"}
    assert headers["X-Forwarded-For"] == "$remote_addr"   # replaced, not appended to the client's claim
    assert headers["Connection"] == ""                     # keep-alive to the upstream
    nginx_address = services()["nginx"]["networks"]["default"]["ipv4_address"]
    assert environment(services()["gateway"])["CRM_TRUSTED_PROXIES"].endswith(f":-{nginx_address}}}")


def test_the_edge_logs_no_query_strings():
    http = block(nginx(), "http")
    formats = {a[0]: " ".join(a[1:]) for d, a, b in http if d == "log_format"}
    access = value(http, "access_log")
    assert access and access[-1] in formats, "access_log must use a format of ours, not the default"
    for variable in ("$request ", "$request_uri", "$args", "$query_string", "$request\""):
        assert variable not in formats[access[-1]] + " ", variable


def test_web_processes_share_no_gunicorn_control_socket():
    # gunicorn 27 puts one control socket per user in ~/.gunicorn; the four web processes of a
    # machine would race for it (and log an error each start). It is off.
    assert gunicorn_conf().get("control_socket_disable") is True


def test_the_edge_refuses_metrics_whatever_else_it_passes_on():
    server = block(block(nginx(), "http"), "server")
    # a regex location wins over the prefix location "/" that passes everything else on
    regexes = [(a[1], b) for d, a, b in server if d == "location" and b is not None and a[:1] == ["~"]]
    catching = [(pattern, b) for pattern, b in regexes if re.search(pattern, "/metrics")]
    assert len(catching) == 1, "no regex location catches /metrics"
    pattern, statements = catching[0]
    assert re.search(pattern, "/metrics/anything") and not re.search(pattern, "/api/v1/metrics")
    assert value(statements, "return")[0] == "404" and value(statements, "proxy_pass") is None
