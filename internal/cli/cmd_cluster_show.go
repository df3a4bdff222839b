package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"bosun/bosh"
	"bosun/pks"
)

// clusterDetailJSON is `bosun cluster NAME --json`: the row of `bosun
// clusters` plus the API's details and the deployment's instances.
type clusterDetailJSON struct {
	clusterJSON
	MasterHost   *string               `json:"kubernetes_master_host"`
	MasterPort   *int                  `json:"kubernetes_master_port"`
	ControlPlane *string               `json:"control_plane_deployment"`
	Instances    []clusterInstanceJSON `json:"instances"`
}

type clusterInstanceJSON struct {
	Instance     string   `json:"instance"`
	Group        string   `json:"group"`
	ProcessState string   `json:"process_state"`
	AZ           string   `json:"az"`
	IPs          []string `json:"ips"`
	VMCID        string   `json:"vm_cid"`
	Bootstrap    bool     `json:"bootstrap"`
	NotRunning   []string `json:"not_running"` // processes not running
}

func runCluster(ctx context.Context, g *globals, gf *gatewayFlags, noSSH bool, arg string, out, errOut io.Writer) error {
	s, err := openSession(g)
	if err != nil {
		return err
	}
	defer s.close()
	l, e, err := resolveCluster(ctx, g, s, arg, true, errOut)
	if err != nil {
		return err
	}
	if e.Cluster != nil && l.source == sourceAPI {
		pc, _ := s.PKSClient() // sourceAPI: the client answered
		if c, err := pc.ClusterDetails(ctx, e.Cluster.Name); err == nil {
			e.Cluster = &c
		} else {
			fmt.Fprintln(errOut, "bosun: warning: "+oneLine(err.Error()))
		}
	}
	rep := apiserverHealth(ctx, g, s, gf, noSSH, e, errOut)
	if e.Deployment != "" {
		l.apiserver = map[string]pks.APIServerReport{e.Deployment: rep}
	}
	d := clusterDetailJSON{clusterJSON: l.toJSON(e), ControlPlane: optString(l.control), Instances: []clusterInstanceJSON{}}
	if e.Cluster != nil && e.Cluster.Parameters.MasterHost != "" {
		port := e.Cluster.Parameters.MasterPort
		d.MasterHost, d.MasterPort = &e.Cluster.Parameters.MasterHost, &port
	}
	insts := l.insts[e.Deployment]
	bosh.SortInstances(insts)
	for _, in := range insts {
		ci := clusterInstanceJSON{Instance: in.Name, Group: in.Group, ProcessState: in.ProcessState, AZ: in.AZ,
			IPs: nonNil(in.IPs), VMCID: in.VMCID, Bootstrap: in.Bootstrap, NotRunning: []string{}}
		for _, p := range in.Processes {
			if p.State != bosh.StateRunning {
				ci.NotRunning = append(ci.NotRunning, p.Name)
			}
		}
		d.Instances = append(d.Instances, ci)
	}
	d.APIServer = &rep
	if g.jsonOut {
		err = writeJSON(out, d)
	} else {
		err = writeClusterDetail(out, d, e)
	}
	if err != nil {
		return err
	}
	return l.partial()
}

// deref is *p, "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func writeClusterDetail(w io.Writer, d clusterDetailJSON, e pks.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, dash(v)) }
	row("Name:", d.Name)
	row("UUID:", d.UUID)
	row("Plan:", d.PlanName)
	row("Last action:", strings.TrimSpace(d.LastAction+" "+d.LastActionState))
	row("Description:", d.LastActionDescription)
	if d.MasterHost != nil {
		row("Master host:", fmt.Sprintf("%s:%d", *d.MasterHost, *d.MasterPort))
	}
	ips := strings.Join(d.KubernetesMasterIPs, ", ")
	if ips == "" && e.Cluster != nil {
		ips = strings.Join(e.Cluster.KubernetesMasterIPs, ", ")
	}
	row("Master IPs:", ips)
	row("K8s / PKS version:", strings.Trim(deref(d.K8sVersion)+" / "+deref(d.PKSVersion), " /"))
	dep := dash(e.Deployment)
	if lbl := e.Link.Label(); lbl != "" {
		dep += " (" + lbl + ")"
	}
	row("Deployment:", dep)
	row("Control plane:", deref(d.ControlPlane))
	row("Health:", healthText(d.Health))
	row("kube-apiserver:", apiserverText(*d.APIServer))
	if c := d.LastCloudCheck; c != nil {
		row("Last cloud-check:", fmt.Sprintf("%s, %s (%d problems)", c.At.Local().Format("2006-01-02 15:04"), c.Outcome, c.Problems))
	}
	if d.Audit != nil {
		row("Audit:", *d.Audit+" (as bosun last left it)")
	}
	if d.Health != nil {
		row("Masters running:", fmt.Sprintf("%d/%d", d.Health.MastersRunning, d.Health.Masters))
		row("Workers running:", fmt.Sprintf("%d/%d", d.Health.WorkersRunning, d.Health.Workers))
		for _, p := range d.Health.Problems {
			row("Problem:", p)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(d.Instances) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tPROCESS STATE\tAZ\tIPS\tNOT RUNNING")
	for _, in := range d.Instances {
		name := in.Instance
		if in.Bootstrap {
			name += "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, dash(in.ProcessState), dash(in.AZ), dash(strings.Join(in.IPs, ",")),
			dash(strings.Join(in.NotRunning, ",")))
	}
	return tw.Flush()
}
