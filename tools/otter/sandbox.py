"""Where a submission runs while it is graded: a process of its own, limited and watched.

Every submission runs in a worker process (worker.py) that starts the notebook's kernel. The
grader (grade.py) never runs a line of the submission itself. What the worker gets, on any
POSIX system:

- a session of its own (a Ctrl-C at the terminal reaches the grader, not the submission),
  stopped with everything it started when the time limit passes or the grader is
  interrupted (on Linux the grader is a "subreaper", so that a process the submission
  detaches is still found and stopped);
- resource limits: CPU seconds, address space (memory), the size of a file it writes, no
  core files, a bounded number of open files and, for a grader that is not root, of
  processes;
- a fresh temporary folder as its home and working directory, with a copy of the submission
  and nothing else, and an environment of its own (no variable of the grader's is passed on;
  the answers' registry is switched off: INFERENCE_MATH_ANSWERS=none).

Where the platform allows it (Linux with unprivileged user namespaces, as most distributions
ship; `unshare` from util-linux), also ("namespaces"):

- no network (a network namespace with nothing in it; the kernel talks to the worker over
  Unix sockets);
- a process namespace: when the worker ends, every process the submission started ends;
- a mount namespace in which the grader's home, the autograder folder, the submissions'
  folders and the answers' package are hidden under empty folders, and the Python
  environment and the library are read-only, locked so that the submission cannot undo it.

Not even then is it a container: the submission still reads what the grading user can read
elsewhere on the machine (/etc, other users' world-readable files, /tmp), uses its CPUs, and
runs as that user. Grade in a container or a virtual machine for more.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

MIB = 1 << 20
# Defaults, each overridable on grade.py's command line.
TIME_LIMIT_S = 600
MEMORY_MIB = 4096
FILE_MIB = 256
OPEN_FILES = 1024
EXTRA_PROCESSES = 256


def limits(seconds: float, memory_mib: int) -> dict:
    """The resource limits a worker and everything it starts run under (``resource`` names)."""
    out = {
        "RLIMIT_CPU": int(seconds) + 5,  # CPU seconds of each process; the clock also runs
        "RLIMIT_AS": memory_mib * MIB,
        "RLIMIT_FSIZE": FILE_MIB * MIB,
        "RLIMIT_CORE": 0,
        "RLIMIT_NOFILE": OPEN_FILES,
    }
    if os.geteuid() != 0:  # root ignores RLIMIT_NPROC, and the count is per user
        out["RLIMIT_NPROC"] = _processes_of_user() + EXTRA_PROCESSES
    return out


def _processes_of_user() -> int:
    uid, n = os.getuid(), 0
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            n += entry.stat().st_uid == uid
        except OSError:
            pass
    return n or 1024  # no /proc (macOS): leave room


def _apply_limits(values: dict):
    def preexec():
        import resource

        for name, value in values.items():
            if hasattr(resource, name):
                soft = hard = value
                if name == "RLIMIT_CPU":
                    soft = value - 1  # SIGXCPU first, then SIGKILL at the hard limit
                try:
                    resource.setrlimit(getattr(resource, name), (soft, hard))
                except (ValueError, OSError):
                    pass

    return preexec


def environment(workdir: Path) -> dict:
    """The worker's whole environment: nothing of the grader's is passed on."""
    home = workdir / "home"
    for sub in ("", ".config", ".cache", "tmp"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_PATH": str(workdir / "jupyter"),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(workdir / "runtime"),
        "IPYTHONDIR": str(home / ".ipython"),
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(home / ".config" / "matplotlib"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "INFERENCE_MATH_ANSWERS": "none",
    }


_NS_PROBE: list = []


def namespaces_available() -> tuple[bool, str]:
    """Whether `unshare` can give the worker its own user, network, mount and process
    namespaces here (tried once), and if not, why."""
    if not _NS_PROBE:
        tool = shutil.which("unshare")
        if sys.platform != "linux" or tool is None:
            _NS_PROBE.append((False, "not Linux, or no `unshare` (util-linux)"))
        else:
            p = subprocess.run(
                [tool, *UNSHARE_FLAGS, "true"], capture_output=True, text=True, timeout=60
            )
            why = (p.stderr.strip().splitlines() or ["failed"])[-1]
            _NS_PROBE.append((p.returncode == 0, why))
    return _NS_PROBE[0]


UNSHARE_FLAGS = ["--user", "--map-root-user", "--net", "--mount", "--pid", "--fork"]
UNSHARE_FLAGS += ["--kill-child", "--mount-proc"]


def become_subreaper() -> None:
    """Linux: orphans of the grader's descendants become the grader's children, so that a
    process a submission detaches (double fork, setsid) is still found and stopped."""
    if sys.platform == "linux":
        try:
            ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        except (OSError, AttributeError):
            pass


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux, from /proc); [] where there is no /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            ppid = int(text[text.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
        except (OSError, ValueError):
            pass
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def stop(proc: subprocess.Popen, before: set[int]) -> None:
    """Stop the worker, its session, and every process below the grader that was not there
    ``before`` it started (what a submission detached: a new session, a double fork)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    for _ in range(5):
        left = [p for p in descendants(os.getpid()) if p not in before]
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)
        _reap(before)


def _reap(before: set[int]) -> None:
    """Collect the exit status of orphans the grader adopted (not of its own children)."""
    for pid in descendants(os.getpid()):
        if pid not in before:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def run(command: list[str], workdir: Path, seconds: float, memory_mib: int, use_ns: bool):
    """Run ``command`` (the worker) in ``workdir`` under the limits, for at most ``seconds``
    of wall-clock time: "finished", "timed out". A KeyboardInterrupt (Ctrl-C, or SIGTERM
    turned into one by grade.py) stops it and everything it started, then propagates."""
    if use_ns:
        command = [shutil.which("unshare") or "unshare", *UNSHARE_FLAGS, *command]
    before = set(descendants(os.getpid()))
    with open(workdir / "worker.log", "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=workdir,
            env=environment(workdir),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_apply_limits(limits(seconds, memory_mib)),
        )
        try:
            proc.wait(timeout=seconds)
            outcome = "finished"
        except subprocess.TimeoutExpired:
            outcome = "timed out"
        finally:
            stop(proc, before)
    return outcome


# ----- inside the worker, in its namespaces: hide and lock ------------------------------------

MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC = 1, 32, 4096, 16384
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = [None if x is None else os.fsencode(x) for x in (source, target, fstype, data)]
    if _libc().mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def hide_and_lock(hidden: list[str], keep: list[str], read_only: list[str]) -> None:
    """In the worker's own mount namespace: cover each of ``hidden`` with an empty tmpfs,
    show again each of ``keep`` and ``read_only`` that lay under one, make ``read_only``
    read-only, then enter a new user and mount namespace in which none of it can be undone
    (the mounts are locked). Call it before any thread starts (unshare refuses otherwise)."""
    hidden = _outermost(os.path.realpath(h) for h in hidden if os.path.isdir(h))
    shown = _outermost(os.path.realpath(k) for k in [*keep, *read_only] if os.path.exists(k))
    fds = {k: os.open(k, os.O_PATH) for k in shown}
    for h in hidden:
        _mount("tmpfs", h, "tmpfs", 0, "mode=755,size=1m")
    for k, fd in fds.items():
        if any(_under(k, h) for h in hidden):
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(k, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(k), exist_ok=True)
                open(k, "a").close()
            _mount(f"/proc/self/fd/{fd}", k, None, MS_BIND | MS_REC)
        os.close(fd)
    for r in read_only:
        if os.path.exists(r):
            _mount(r, r, None, MS_BIND | MS_REC)
            _mount(None, r, None, MS_BIND | MS_REMOUNT | MS_RDONLY)
    if _libc().unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare: {os.strerror(err)}")
    for name, text in (("setgroups", "deny"), ("uid_map", "0 0 1"), ("gid_map", "0 0 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def _outermost(paths) -> list[str]:
    """The paths that lie under no other of them, shortest first."""
    out: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(_under(p, q) for q in out):
            out.append(p)
    return out


def _under(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")
