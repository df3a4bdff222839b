package sim

import "fmt"

// FailAPIServer makes the kube-apiserver of one master (uuid or
// group/uuid) of deployment dep fail until its next restart: monit says
// "Execution failed" and ensure_apiserver_healthy exits 1. It is the
// "control plane unhealthy" case for cluster health.
func (f *Foundation) FailAPIServer(dep, id, why string) error {
	v, err := f.sshVMFor(dep, id)
	if err != nil {
		return err
	}
	if v.api == nil {
		return fmt.Errorf("sim: %s of %s runs no kube-apiserver", id, dep)
	}
	v.api.mu.Lock()
	v.api.failure = why
	v.api.mu.Unlock()
	return nil
}
