#!/usr/bin/env bash
# A single-node Slurm cluster that lives in one folder, for tests and trying `sieve slurm`:
#   scripts/slurm-local.sh start DIR   # prints the SLURM_CONF to export
#   scripts/slurm-local.sh stop DIR    # stops the daemons it started, by PID
# Needs Debian's slurmctld, slurmd, slurm-client and munge, and root (SlurmUser=root).
# No systemd, no cgroups: munged listens on a socket in DIR, Slurm points at it.
set -euo pipefail
command=${1:?start or stop}
dir=$(realpath -m "${2:?folder}")

# Starts a daemon holding none of this script's file descriptors, its standard streams on
# /dev/null: a caller that waits for this script (Foundation's Process watches a socket it
# hands to the child) must not wait for the daemons as well.
daemon() {
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec "$@" </dev/null >/dev/null 2>&1
    )
}

stop() {
    for name in slurmd slurmctld munged; do
        pidfile="$dir/run/$name.pid"
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if kill "$pid" 2>/dev/null; then
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$pidfile"
    done
}

case "$command" in
start)
    for tool in munged slurmctld slurmd sinfo; do
        command -v "$tool" >/dev/null || { echo "slurm-local: $tool not installed (apt-get install slurmctld slurmd slurm-client munge)" >&2; exit 2; }
    done
    mkdir -p "$dir"/{state,spool,log,run}
    # munged refuses a socket folder that others may write to, and a key others may read.
    install -d -m 0755 "$dir/munge"
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 0600 "$dir/munge/munge.key"
    daemon munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
    # Ports apart from a system Slurm's 6817/6818.
    port=$((20000 + RANDOM % 20000))
    cat > "$dir/slurm.conf" <<CONF
ClusterName=sieve-local
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
# Lowered from 1001 so that a pass of 4 tasks goes as two arrays (ScaleTests.testRealSlurm).
MaxArraySize=3
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
NodeName=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF="$dir/slurm.conf"
    daemon slurmctld -f "$SLURM_CONF"
    daemon slurmd -N localhost -f "$SLURM_CONF"
    for _ in $(seq 150); do
        state=$(sinfo -h -o %T 2>/dev/null || true)
        if [ "$state" = idle ]; then echo "$SLURM_CONF"; exit 0; fi
        sleep 0.2
    done
    echo "slurm-local: the node did not come up (state: ${state:-none}); logs in $dir/log" >&2
    stop
    exit 1
    ;;
stop) stop ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
