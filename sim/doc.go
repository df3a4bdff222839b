// Package sim is bosun's simulated foundation: a BOSH director and its UAA,
// served over HTTPS on loopback with a generated CA, faithful to the wire
// facts in shared/reference/bosh-director-api.md so that the real bosh CLI
// and the bosh-cli director/uaa Go packages work against it; the VMs with
// their SSH endpoints; the PKS API; and the PKS sink sender.
//
// Only main and tests import it. Its files are grouped by part, by name:
//
//	foundation*.go  the whole: Start, Close, options, faults, CA, stats
//	content_*.go    the foundation content from a seed: deployments,
//	                instances, releases, manifests, the seeded past
//	director_*.go   the director: router, auth, deployments, instances and
//	                vms, tasks and workers, locks, events, cloud-check and
//	                the instance state model (director_cck_model.go)
//	uaa_*.go        the director's UAA: clients, users, tokens
//	vm_*.go         a VM: snapshots of its instance's state, its file
//	                system, its shell and commands, a kubo master's
//	                kube-apiserver
//	ssh_*.go        the VMs' SSH endpoints, the gateway, the director's
//	                SSH setup task
//	logs_*.go       logs bundles: the fetch-logs task, contents, blobstore
//	pks_*.go        the PKS API and its UAA, etcd, usage databases
//	sink_*.go       the sink sender: RFC 5424 frames of Kubernetes events
package sim
