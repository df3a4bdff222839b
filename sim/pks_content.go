package sim

import (
	"fmt"
	"time"
)

// The PKS API's view of the foundation: one cluster per service-instance_
// deployment the broker made (content.clusters), one cluster still being
// created (no deployment yet), and, on the director side, one orphan
// service-instance_ deployment whose cluster the API no longer knows.

// Versions the simulated PKS API reports: those of the TKGI release whose
// pks-api and kubo releases the director lists (sim/content_catalog.go).
const (
	pksVersion = tkgiVersion + "-build.16"
	pksDomain  = "k8s.pks.example.com"
)

// pksPlan is a PKS plan as GET /v1/plans lists it.
type pksPlan struct {
	ID                        string `json:"id"`
	Name                      string `json:"name"`
	Description               string `json:"description"`
	WorkerInstances           int    `json:"worker_instances"`
	MasterInstances           int    `json:"master_instances"`
	AllowPrivilegedContainers bool   `json:"allow-privileged-containers"`
}

var pksPlans = []pksPlan{
	{ID: "8A0E21A8-8072-4D80-B365-D1F502085560", Name: "small", WorkerInstances: 3, MasterInstances: 1,
		Description: "Example: This plan will configure a lightweight kubernetes cluster. Not recommended for production workloads."},
	{ID: "241118e5-69b2-4ef9-b47f-4d2ab071aff5", Name: "medium", WorkerInstances: 5, MasterInstances: 3,
		Description: "Medium deployment plan for K8s cluster."},
	{ID: "4bbb32d4-4b5a-4c16-9e1a-0e4ab1e7a2f3", Name: "large", WorkerInstances: 10, MasterInstances: 3,
		Description: "Large deployment plan for production K8s clusters.", AllowPrivilegedContainers: true},
}

// pksClusterSeed is the API side of one cluster. dep is nil while the
// cluster is being created. Action, state and description are the
// settled values; the upgrading cluster's come from the background deploy.
type pksClusterSeed struct {
	Name        string
	UUID        string
	Plan        string
	dep         *deployment
	Action      string
	State       string
	Description string
	Workers     int
	upgrading   bool // follows the background deploy task
}

// clusterNames name content.clusters in order, then the cluster being
// created.
var clusterNames = []string{"payments-prod", "platform-prod", "ci-runners", "data-lake"}

const creatingClusterName = "ml-sandbox"

// pksClusterSeeds builds the API's clusters from the content.
func pksClusterSeeds(c *content, seed int64) []*pksClusterSeed {
	plans := []string{"small", "medium", "small", "large"}
	var out []*pksClusterSeed
	for k, d := range c.clusters {
		if k >= len(clusterNames) {
			break
		}
		s := &pksClusterSeed{Name: clusterNames[k], UUID: d.Name[len("service-instance_"):], Plan: plans[k], dep: d,
			Action: "CREATE", State: "succeeded", Description: "Instance provisioning completed", Workers: countGroup(d, "worker")}
		switch k {
		case 1:
			s.Action, s.Description = "UPDATE", "Instance update completed"
		case 2:
			s.Action, s.State = "UPDATE", "failed"
			s.Description = fmt.Sprintf("Instance update failed: There was a problem completing your request. Please contact your "+
				"operations team providing the following information: service: p.pks, service-instance-guid: %s, "+
				"broker-request-id: %s, task-id: %d, operation: update, error-message: 'worker/%s' is not running after update",
				s.UUID, newRNG(seed, "pks-broker").uuid(), 512, d.Instances[clusterShapes[k].masters+1].ID)
		case 3:
			s.Action, s.upgrading = "UPGRADE", true
		}
		out = append(out, s)
	}
	out = append(out, &pksClusterSeed{Name: creatingClusterName, UUID: newRNG(seed, "pks-creating").uuid(), Plan: "small",
		Action: "CREATE", State: "in progress", Description: "Creating cluster", Workers: 3})
	return out
}

func countGroup(d *deployment, group string) int {
	n := 0
	for _, in := range d.Instances {
		if in.Group.Name == group {
			n++
		}
	}
	return n
}

// orphanCluster is a service-instance_ deployment the PKS API does not
// know: its cluster was deleted in PKS but the broker's delete-deployment
// never ran. One master and two workers, all running.
func (g *generator) orphanCluster(sc *stemcell) *deployment {
	r := newRNG(g.seed, "orphan-cluster")
	master := &instanceGroup{Name: "master", VMType: "medium.disk", CPU: 2, RAMMB: 4096, DiskMB: 32768,
		PersistentMB: 10240, Jobs: masterJobs, AZs: azs}
	worker := &instanceGroup{Name: "worker", VMType: "medium.disk", CPU: 2, RAMMB: 4096, DiskMB: 32768,
		PersistentMB: 51200, Jobs: workerJobs, AZs: azs}
	d := g.newDeployment("service-instance_"+r.uuid(), sc, []*instanceGroup{master, worker},
		"pks-helpers", "sink-resources", "backup-and-restore-sdk")
	d.Teams = []string{g.c.pks.Name}
	d.Network = "pks-services"
	d.DeployedBy = g.c.pks.Name
	age := 64 * 24 * time.Hour
	d.DeployedAt = g.epoch.Add(-age).Truncate(time.Second)
	ips := newIPPool(0, 31, 10)
	g.addInstances(d, r, master, 1, ips, age)
	g.addInstances(d, r, worker, 2, ips, age)
	return d
}
