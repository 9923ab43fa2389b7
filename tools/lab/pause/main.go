// Command pause stands in for registry.k8s.io/pause in the lab, whose nodes cannot reach that
// registry: it is containerd's sandbox image (the process that holds a pod's namespaces) and the
// do-nothing container of test workload pods. It blocks until SIGTERM or SIGINT and then exits 0,
// so a pod stops at once instead of waiting for SIGKILL. As PID 1 of a pod's PID namespace it is
// the parent of every orphan there, so it reaps them; otherwise they would stay zombies.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Two channels: signal.Notify drops a signal when its channel is full, and a burst of SIGCHLD
	// must never crowd out the SIGTERM.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	child := make(chan os.Signal, 1)
	signal.Notify(child, syscall.SIGCHLD)
	reap() // orphans that exited before the handler was installed
	for {
		select {
		case <-stop:
			os.Exit(0)
		case <-child:
			reap()
		}
	}
}

// reap collects every exited child. SIGCHLDs coalesce, so one signal may stand for many exits.
func reap() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 {
			return
		}
	}
}
