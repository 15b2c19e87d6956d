"""Command line: python -m kisaan_app serve | worker | migrate up|status|rollback | seed-demo | create-admin |
backup | restore FILE [--force]."""

import argparse
import getpass
import os
import signal
import subprocess
import sys

from kisaan_app.settings import PROJECT_ROOT, get_settings


def reflex_env() -> dict[str, str]:
    """Reflex must use the bun and Node from tools/ (its own downloads fail offline) and stay quiet."""
    env = dict(os.environ)
    tools_bin = PROJECT_ROOT / "tools" / "node_modules" / ".bin"
    env["PATH"] = f"{tools_bin}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    env.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
    env.setdefault("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/")
    return env


def register_jobs() -> None:
    """Commands that run services in this process register the named jobs those services may enqueue."""
    import kisaan_app.tasks  # noqa: F401


def cmd_migrate(args: argparse.Namespace) -> int:
    from kisaan_app import migrations

    if args.action == "up":
        migrations.upgrade(args.revision or "head")
    elif args.action == "rollback":
        migrations.downgrade(args.revision or "-1")
    print(migrations.status())
    return 0


def cmd_seed_demo(_args: argparse.Namespace) -> int:
    register_jobs()
    from kisaan_app.db import session_scope
    from kisaan_app.seed import seed_demo, seed_notifications, seed_orders, seed_prices

    with session_scope() as session:
        created = seed_demo(session)
    print("demo data created" if created else "demo data already present")
    with session_scope() as session:
        if templates := seed_notifications(session):
            print(f"demo message templates added: {templates}")
    with session_scope() as session:
        if orders := seed_orders(session):
            print(f"demo orders awaiting payment: {orders}")
    with session_scope() as session:
        report = seed_prices(session)
    if report is not None:
        print(f"sample mandi prices imported: {report.inserted} rows (60 days, dated up to today)")
    return 0


def cmd_import_prices(args: argparse.Namespace) -> int:
    """Agmarknet CSV in; every bad row reported with its line number; exit 1 if any row was skipped."""
    register_jobs()
    from kisaan_app.db import session_scope
    from kisaan_app.services.errors import DomainError
    from kisaan_app.services.feeds.prices import import_csv_file

    try:
        with session_scope() as session:
            report = import_csv_file(session, args.file)
    except (DomainError, OSError) as err:
        detail = ", ".join(f"{k}={v}" for k, v in getattr(err, "params", {}).items())
        print(f"import failed: {getattr(err, 'code', err)} {detail}".strip(), file=sys.stderr)
        return 2
    for problem in report.skipped:
        print(f"line {problem.line}: {problem.message} (skipped)", file=sys.stderr)
    print(f"{report.inserted} inserted, {report.updated} updated, {len(report.skipped)} skipped")
    return 1 if report.skipped else 0


def cmd_demo_logins(_args: argparse.Namespace) -> int:
    from kisaan_app.seed import DEMO_LOGINS

    url = get_settings().public_url
    print(f"\nKisaansay will be served on {url}  (first start builds the frontend: about a minute)\n")
    print("Demo logins (mobile number / password):")
    for demo in DEMO_LOGINS:
        print(f"  {demo.role:<10} {demo.name:<16} {demo.phone}  {demo.password}")
    print()
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    register_jobs()
    from kisaan_app.db import session_scope
    from kisaan_app.services import accounts

    password = os.environ.get("KISAAN_ADMIN_PASSWORD") or getpass.getpass("Password for the new admin: ")
    with session_scope() as session:
        user = accounts.register(
            session, accounts.Registration(full_name=args.name, password=password, phone=args.phone, email=args.email)
        )
        user.role = "admin"
        session.add(user)
    print(f"admin {user.phone or user.email} created")
    return 0


def _domain_error_text(err) -> str:
    """An operator reads a service's typed error in the configured language (the i18n catalogue)."""
    from kisaan_app.i18n import error_text

    return error_text(get_settings().default_language, err.code, **err.params)


def cmd_backup(_args: argparse.Namespace) -> int:
    """A timestamped backup of the configured database in KISAAN_BACKUP_DIR."""
    from kisaan_app.services import backups
    from kisaan_app.services.errors import DomainError

    settings = get_settings()
    try:
        path = backups.backup(settings.database_url, settings.backup_dir)
    except DomainError as err:
        print(f"backup failed: {_domain_error_text(err)}", file=sys.stderr)
        return 2
    print(path)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into the configured database (stop the app and the worker first)."""
    from pathlib import Path

    from kisaan_app.services import backups
    from kisaan_app.services.errors import DomainError

    try:
        backups.restore(get_settings().database_url, Path(args.file), force=args.force)
    except DomainError as err:
        print(f"restore refused: {_domain_error_text(err)}", file=sys.stderr)
        return 2
    print(f"restored {args.file}")
    return 0


def cmd_worker(_args: argparse.Namespace) -> int:
    return subprocess.call(
        # The target is the tasks package's huey, so the consumer imports (and registers) every task.
        # -m 1: an idle worker polls the queue at least once a second (huey's default backs off to 10 s), so a
        # bulk send or a notification starts within a second of being queued.
        [sys.executable, "-m", "huey.bin.huey_consumer", "kisaan_app.tasks.huey", "-w", "2", "-m", "1"],
        env=reflex_env(),
        cwd=PROJECT_ROOT,
    )


SANDBOX_COMMAND = [sys.executable, "-m", "sandbox"]  # the stand-ins live outside kisaan_app (top-level sandbox/)


def cmd_sandbox(_args: argparse.Namespace) -> int:
    """The provider stand-ins (Razorpay …) on 127.0.0.1, sending their webhooks to this app.

    They are not part of the product, so kisaan_app never imports them: this runs `python -m sandbox` from the
    project root, which reads the same settings (ports, public URL)."""
    try:
        return subprocess.call(SANDBOX_COMMAND, env=reflex_env(), cwd=PROJECT_ROOT)
    except KeyboardInterrupt:  # Ctrl-C reached the child too; it has stopped
        return 0


def cmd_text_app(args: argparse.Namespace) -> int:
    """A phone texts the app (the dev demo of SMS commands): the running sandbox signs the SMS as Twilio does and
    posts it to the inbound webhook; the reply the worker sends comes back into the sandbox's outbox, shown here."""
    import time

    import httpx

    sandbox = f"http://127.0.0.1:{get_settings().sandbox_port}"
    spec = {"from": args.sender, "body": " ".join(args.text)}
    try:
        # The newest outbox record before the text: the reply is the first SMS to the number after it (the worker
        # may send it before the webhook's answer reaches us).
        since = max((r["id"] for r in httpx.get(f"{sandbox}/outbox", params={"limit": 1}).json()), default=0)
        answer = httpx.post(f"{sandbox}/sandbox/twilio/inbound", json=spec, timeout=15)
    except httpx.HTTPError as err:
        print(f"the sandbox at {sandbox} did not answer ({type(err).__name__}): is `make run` running?")
        return 1
    if answer.status_code != 200:
        print(f"the sandbox refused: {answer.text}")
        return 1
    print(f"{args.sender} → app: {spec['body']!r} (webhook answered {answer.json()['answers'][-1]})")
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        for record in httpx.get(f"{sandbox}/outbox", params={"provider": "twilio", "kind": "sms"}).json():
            if record["id"] > since and record["detail"].get("to") == args.sender:
                print(f"app → {args.sender}: {record['detail']['body']}")
                return 0
        time.sleep(0.5)
    print("no reply reached the sandbox yet (is the job worker running? over the per-number limit?)")
    return 0


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def bind_warning() -> str | None:
    """In dev the demo logins and the default secret are open to anyone who can reach the port."""
    settings = get_settings()
    if settings.env == "dev" and settings.bind_host not in LOOPBACK_HOSTS:
        return (
            f"WARNING: serving a dev build on {settings.bind_host}, reachable from other machines. Dev mode has a "
            "default secret and demo logins; set KISAAN_HOST=127.0.0.1 unless this network is yours alone."
        )
    return None


def serve_refusal() -> str | None:
    """Production refuses to serve a database that still has the published demo logins."""
    if not get_settings().is_prod:
        return None
    from kisaan_app.db import session_scope
    from kisaan_app.seed import demo_logins_present

    with session_scope() as session:
        present = demo_logins_present(session)
    if present:
        return f"refusing to serve in production: demo logins keep their published passwords: {', '.join(present)}"
    return None


def fresh_metrics_dir() -> None:
    """Prometheus' multiprocess mode (PROMETHEUS_MULTIPROC_DIR) needs the directory to exist and to hold no
    files from an earlier run, or dead processes' figures count again."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def cmd_serve(args: argparse.Namespace) -> int:
    """The production build on one port, with the job worker (and, while any provider has no credentials,
    the sandbox) beside it; Ctrl-C stops them all."""
    if refusal := serve_refusal():
        print(refusal, file=sys.stderr)
        return 2
    if warning := bind_warning():
        print(warning, file=sys.stderr, flush=True)
    from kisaan_app.supervision import KeptProcess

    env = reflex_env()
    fresh_metrics_dir()

    def child(command: list[str]):
        return lambda: subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)

    # The worker and the sandbox come back if they die (logged, with backoff); the web server is this command's
    # own life: when it ends, serve ends. A scaled-out web node (--no-worker) leaves the jobs to worker nodes.
    helpers = []
    if not args.no_worker:
        helpers.append(KeptProcess("job-worker", child([sys.executable, "-m", "kisaan_app", "worker"])).start())
    if get_settings().needs_sandbox:
        helpers.append(KeptProcess("provider-sandbox", child(SANDBOX_COMMAND)).start())
    web_cmd = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--loglevel", args.loglevel]
    web = subprocess.Popen(web_cmd, env=env, cwd=PROJECT_ROOT)

    def stop(*_):
        if web.poll() is None:
            web.send_signal(signal.SIGINT)
        for helper in helpers:
            helper.stop()

    signal.signal(signal.SIGTERM, stop)
    try:
        code = web.wait()
    except KeyboardInterrupt:
        stop()
        code = web.wait()
    stop()
    for helper in helpers:
        helper.wait(timeout=10)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kisaan_app", description="Kisaansay command line")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the production build and run the job worker")
    serve.add_argument("--loglevel", default="warning")
    serve.add_argument("--no-worker", action="store_true", help="web only: jobs run in `worker` processes elsewhere")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("worker", help="run the huey job worker").set_defaults(func=cmd_worker)
    sub.add_parser("sandbox", help="run the local provider stand-ins").set_defaults(func=cmd_sandbox)
    migrate = sub.add_parser("migrate", help="apply, inspect or roll back database migrations")
    migrate.add_argument("action", choices=["up", "status", "rollback"])
    migrate.add_argument("revision", nargs="?", help="target revision (default: head for up, -1 for rollback)")
    migrate.set_defaults(func=cmd_migrate)
    sub.add_parser("seed-demo", help="create demo organisations and logins once").set_defaults(func=cmd_seed_demo)
    prices = sub.add_parser("import-prices", help="import an Agmarknet-format CSV of daily mandi prices")
    prices.add_argument("file")
    prices.set_defaults(func=cmd_import_prices)
    sub.add_parser("demo-logins", help="print the URL and the demo logins").set_defaults(func=cmd_demo_logins)
    admin = sub.add_parser(
        "create-admin", help="create a platform admin (password from KISAAN_ADMIN_PASSWORD or prompt)"
    )
    admin.add_argument("--name", required=True)
    admin.add_argument("--phone")
    admin.add_argument("--email")
    admin.set_defaults(func=cmd_create_admin)
    text = sub.add_parser("text-app", help="dev demo: a phone texts the app an SMS command through the sandbox")
    text.add_argument("--from", dest="sender", default="+919800000003", help="E.164 number (default: demo farmer)")
    text.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the reply")
    text.add_argument("text", nargs="+", help='e.g. PRICE ONION, "भाव प्याज", ALERTS, HELP, STOP, START')
    text.set_defaults(func=cmd_text_app)
    sub.add_parser("backup", help="write a timestamped backup of the database").set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore a backup into the configured database (stop the app first)")
    restore.add_argument("file")
    restore.add_argument("--force", action="store_true", help="replace a database that already holds rows")
    restore.set_defaults(func=cmd_restore)
    args = parser.parse_args(argv)
    get_settings()  # fail fast on bad settings (e.g. a default secret in production)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
