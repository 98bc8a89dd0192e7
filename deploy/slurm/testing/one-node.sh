#!/usr/bin/env bash
# A throw-away one-node Slurm cluster (slurmctld + slurmd + a private munged, on loopback) for
# testing the deployment scripts: everything it writes lives under STATE_DIR, nothing under
# /etc/slurm or /etc/munge is touched, and `down` stops exactly the daemons `up` started (by
# the process ids in their pid files).
#
#   one-node.sh up STATE_DIR     start; waits (at most $SLURM_UP_TIMEOUT s, default 60) for
#                                the node to be idle, then prints `SLURM_CONF=STATE_DIR/slurm.conf`
#   one-node.sh down STATE_DIR   stop what `up` started (TERM, then KILL after 10 s)
#   one-node.sh logs STATE_DIR   the last lines of every log
#
# Clients find this cluster through the environment: `export SLURM_CONF=STATE_DIR/slurm.conf`
# (sbatch passes it on to the jobs). Needs root (slurmd runs jobs as their submitting user),
# Debian/Ubuntu's `slurm-wlm` and `munge` packages (tested with Slurm 22.05, munge 0.5).
#
# Ports: $SLURMCTLD_PORT (default 6817) and $SLURMD_PORT (default 6818); pick free ones to run
# beside another cluster. The node is named after `hostname -s` and reached at 127.0.0.1, so
# no name resolution is needed between the daemons.
#
# $ONE_NODE_WATCH_PID: a process (a test) whose end, however it ends (even SIGKILL, when it
# cannot clean up), brings the cluster down within a second or two: `up` leaves a watcher
# that runs `down` then. `down` stops the watcher too.
set -euo pipefail

usage() {
    # The comment block at the top of this file.
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
    exit 2
}

[ $# -eq 2 ] || usage
action=$1
state=$2

pids() {
    local f
    for f in "$state"/run/munged.pid "$state"/run/slurmctld.pid "$state"/run/slurmd.pid; do
        [ -s "$f" ] && cat "$f"
    done
    return 0
}

logs() {
    local f
    for f in "$state"/log/*.log; do
        [ -f "$f" ] || continue
        echo "==> $f (last 30 lines) <=="
        tail -n 30 "$f"
    done
}

# Processes that belong to this cluster besides its daemons: the job steps (slurmstepd),
# whose working directory slurmd sets to its log directory under STATE_DIR.
steps() {
    local d pid ppid cwd daemons
    daemons=$(pids | tr '\n' ' ')
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        cwd=$(readlink "$d/cwd" 2>/dev/null) || continue
        case $cwd in
            "$state_abs"/*) ;;
            *) continue ;;
        esac
        # Not a daemon, nor a daemon's helper (slurmctld's slurmscriptd).
        ppid=$(awk '{ print $4 }' "$d/stat" 2>/dev/null) || continue
        case " $daemons " in
            *" $pid "* | *" $ppid "*) continue ;;
        esac
        echo "$pid"
    done
}

# Kills every process in the sessions of the given processes (a job step and its job).
kill_sessions() {
    local pid sid d
    for pid in "$@"; do
        sid=$(awk '{ print $6 }' "/proc/$pid/stat" 2>/dev/null) || continue
        if [ -z "$sid" ] || [ "$sid" -le 1 ]; then continue; fi
        for d in /proc/[0-9]*; do
            if [ "$(awk '{ print $6 }' "$d/stat" 2>/dev/null)" = "$sid" ]; then
                kill -KILL "${d#/proc/}" 2>/dev/null || true
            fi
        done
    done
}

# Whether a process runs (a zombie does not: where PID 1 does not reap, exited daemons stay
# zombies).
alive() {
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

down() {
    local pid live daemons watcher
    state_abs=$(cd "$state" 2>/dev/null && pwd) || return 0
    # The watcher, unless this is the watcher bringing the cluster down.
    if [ -s "$state"/run/watcher.pid ]; then
        watcher=$(cat "$state"/run/watcher.pid)
        if [ "$watcher" != "${BASHPID:-$$}" ]; then
            kill -TERM "$watcher" 2>/dev/null || true
        fi
    fi
    # Read once: the daemons remove their pid files as they exit.
    daemons=$(pids | tac | tr '\n' ' ')
    # The jobs first, while the controller can still cancel them: every job of this private
    # cluster is ours.
    if [ -s "$state"/run/slurmctld.pid ] && alive "$(cat "$state"/run/slurmctld.pid)"; then
        local jobs
        jobs=$(SLURM_CONF="$state_abs"/slurm.conf timeout 10 squeue -h -o %A 2>/dev/null | sort -u || true)
        if [ -n "$jobs" ]; then
            # shellcheck disable=SC2086
            SLURM_CONF="$state_abs"/slurm.conf timeout 10 scancel $jobs 2>/dev/null || true
            for _ in $(seq 1 100); do
                [ -z "$(steps)" ] && break
                sleep 0.1
            done
        fi
    fi
    # Job steps the controller could not cancel, with their jobs.
    # shellcheck disable=SC2046
    kill_sessions $(steps)
    # Then the daemons, in reverse start order.
    for pid in $daemons; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 100); do
        live=""
        for pid in $daemons; do
            if alive "$pid"; then live="$live $pid"; fi
        done
        [ -z "$live" ] && break
        sleep 0.1
    done
    for pid in $live; do
        echo "one-node.sh: process $pid did not stop on TERM: KILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -f "$state"/run/*.pid
}

up() {
    if [ "$(id -u)" != 0 ]; then
        echo "one-node.sh: must run as root (slurmd, munged)" >&2
        exit 1
    fi
    local cmd
    for cmd in munged slurmctld slurmd sinfo; do
        if ! command -v "$cmd" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$cmd" ]; then
            echo "one-node.sh: $cmd not found (apt-get install slurm-wlm munge)" >&2
            exit 1
        fi
    done
    export PATH="$PATH:/usr/sbin:/sbin"
    local host ctld_port slurmd_port cpus mem
    host=$(hostname -s)
    ctld_port=${SLURMCTLD_PORT:-6817}
    slurmd_port=${SLURMD_PORT:-6818}
    cpus=$(nproc)
    mem=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)

    # A state directory left by an earlier run: its daemons stopped, its state wiped (a stale
    # StateSaveLocation would bring old jobs and node states back).
    down
    rm -rf "$state"/munge "$state"/ctld "$state"/spool "$state"/log "$state"/run
    mkdir -p "$state"/munge "$state"/ctld "$state"/spool "$state"/log "$state"/run
    chmod 755 "$state"/munge
    state=$(cd "$state" && pwd)

    # munged refuses a key readable by others and a socket directory writable by others (and
    # warns when others cannot reach the socket: jobs of other users would need it).
    dd if=/dev/urandom of="$state"/munge/munge.key bs=1024 count=1 status=none
    chmod 400 "$state"/munge/munge.key
    local socket="$state/munge/munge.socket"
    munged --force \
        --key-file="$state"/munge/munge.key \
        --socket="$socket" \
        --pid-file="$state"/run/munged.pid \
        --log-file="$state"/log/munged.log \
        --seed-file="$state"/munge/munged.seed
    if ! munge -n --socket="$socket" | unmunge --socket="$socket" >/dev/null; then
        echo "one-node.sh: munge does not answer on $socket" >&2
        logs >&2
        exit 1
    fi

    cat >"$state"/slurm.conf <<CONF
# Written by one-node.sh: a throw-away one-node cluster.
ClusterName=sigaudit-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
# No cgroups and no systemd here: processes are tracked by parent id, tasks are not bound.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
# Schedule often: a test waits for each dependency and array task.
SchedulerParameters=sched_interval=2,bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# A node that was down comes back by itself once it registers with a valid configuration.
ReturnToService=2
# The node's CPUs and memory as configured here, whatever slurmd detects.
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF="$state/slurm.conf"

    # Started before the daemons, so that a caller killed while `up` waits leaves nothing.
    if [ -n "${ONE_NODE_WATCH_PID:-}" ]; then
        (
            while alive "$ONE_NODE_WATCH_PID"; do sleep 1; done
            down
        ) </dev/null >/dev/null 2>&1 &
        echo $! >"$state"/run/watcher.pid
    fi

    slurmctld -f "$SLURM_CONF"
    slurmd -f "$SLURM_CONF" -N "$host"

    local deadline=$((SECONDS + ${SLURM_UP_TIMEOUT:-60})) node_state=""
    while [ $SECONDS -lt $deadline ]; do
        node_state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
        case $node_state in
            idle) break ;;
        esac
        sleep 1
    done
    if [ "$node_state" != idle ]; then
        echo "one-node.sh: node $host not idle after ${SLURM_UP_TIMEOUT:-60} s (state: '${node_state}')" >&2
        scontrol show node "$host" >&2 2>&1 || true
        logs >&2
        exit 1
    fi
    echo "SLURM_CONF=$SLURM_CONF"
}

case $action in
    up) up ;;
    down) down ;;
    logs) logs ;;
    *) usage ;;
esac
