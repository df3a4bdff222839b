package pks

import (
	"net"
	"strings"
	"sync"
)

// ClusterDeploymentPrefix starts the BOSH deployment of every PKS cluster:
// service-instance_<uuid>.
const ClusterDeploymentPrefix = "service-instance_"

// VMRef is the BOSH instance behind a VM CID or IP address.
type VMRef struct {
	Deployment string // service-instance_<uuid> for cluster VMs
	Instance   string // "group/uuid"
}

// VMIndex finds the BOSH instance of a VM named in an event (vm_id, a node
// name, which is the VM CID on vSphere or an IP on some IaaSes) or of the
// address that sent it. It is built from the cached director data and is
// read-only afterwards, so connections share it.
type VMIndex struct {
	byName    map[string]VMRef
	byCluster map[string]string // cluster name -> deployment, from the PKS API
	learned   sync.Map          // cluster name -> deployment, from events mapped by their VM
}

// VM is what the index needs of a cached BOSH instance.
type VM struct {
	Deployment string
	Instance   string // "group/uuid"
	CID        string
	IPs        []string
}

// NewVMIndex indexes the VM CIDs and IPs of the cluster deployments'
// VMs (service-instance_<uuid>); events come only from clusters.
func NewVMIndex(vms []VM) *VMIndex {
	x := &VMIndex{byName: make(map[string]VMRef, 2*len(vms)), byCluster: map[string]string{}}
	for i := range vms {
		vm := &vms[i]
		if !strings.HasPrefix(vm.Deployment, ClusterDeploymentPrefix) {
			continue
		}
		ref := VMRef{Deployment: vm.Deployment, Instance: vm.Instance}
		if vm.CID != "" {
			x.byName[vm.CID] = ref
		}
		for _, ip := range vm.IPs {
			x.byName[ip] = ref
		}
	}
	return x
}

// AddClusters records cluster names with their deployments (from the
// PKS API), for events that name no VM. Call it before the index is
// shared.
func (x *VMIndex) AddClusters(deploymentByName map[string]string) {
	for name, dep := range deploymentByName {
		x.byCluster[name] = dep
	}
}

// clusterDeployment is the deployment of a cluster name, known from the
// PKS API or learned from earlier events.
func (x *VMIndex) clusterDeployment(name string) (string, bool) {
	if dep, ok := x.byCluster[name]; ok {
		return dep, true
	}
	if dep, ok := x.learned.Load(name); ok {
		return dep.(string), true
	}
	return "", false
}

// Len is the number of names indexed.
func (x *VMIndex) Len() int {
	if x == nil {
		return 0
	}
	return len(x.byName)
}

// Lookup finds name (a VM CID, a node name or an IP).
func (x *VMIndex) Lookup(name string) (VMRef, bool) {
	if x == nil || name == "" {
		return VMRef{}, false
	}
	r, ok := x.byName[name]
	return r, ok
}

// mapEvent names the deployment and instance of an event: from vm_id, then
// from the involved object when it is a node (cluster-scoped, no
// namespace), then from the sender's address. The cluster keeps HOSTNAME,
// the cluster name; when HOSTNAME is empty or a VM (older PKS), the
// deployment stands in for it.
func (x *VMIndex) mapEvent(ev *Event, peer string) {
	if x == nil {
		return
	}
	ref, ok := x.Lookup(ev.VMID)
	if ok {
		ev.Instance = ref.Instance
	} else if ev.Namespace == "" {
		ref, ok = x.Lookup(ev.Object)
	}
	if !ok {
		if host, _, err := net.SplitHostPort(peer); err == nil {
			ref, ok = x.Lookup(host)
		}
	}
	if ev.Cluster == "-" {
		ev.Cluster = ""
	}
	_, hostIsVM := x.Lookup(ev.Cluster)
	switch {
	case ok:
		ev.Deployment = ref.Deployment
		// Controller and scheduler events name no VM: remember which
		// deployment this cluster name belongs to, for them.
		if ev.Cluster != "" && !hostIsVM {
			if _, known := x.clusterDeployment(ev.Cluster); !known {
				x.learned.Store(ev.Cluster, ref.Deployment)
			}
		}
	case ev.Cluster != "" && !hostIsVM:
		ev.Deployment, _ = x.clusterDeployment(ev.Cluster)
	}
	if hostIsVM || ev.Cluster == "" {
		ev.Cluster = ev.Deployment
	}
}
