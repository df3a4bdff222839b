// Package pks is bosun's side of the PKS / TKGI control plane beyond the
// BOSH director: the PKS API and its clusters, and the RFC 5424 sink
// receiver (sink*.go, classify*.go) that turns the Kubernetes API events
// PKS forwards into classified, grouped events. It never imports the TUI.
package pks

import "time"

// Event is one Kubernetes API event received from a PKS sink, with the
// class bosun gives it and the BOSH deployment it came from.
type Event struct {
	Time       time.Time `json:"time"`       // frame TIMESTAMP: when PKS forwarded it
	Received   time.Time `json:"received"`   // when bosun read it
	Cluster    string    `json:"cluster"`    // HOSTNAME (the cluster name), else the cluster's deployment
	Deployment string    `json:"deployment"` // service-instance_<uuid>, when the sending VM is known
	Instance   string    `json:"instance"`   // "group/uuid" of the VM named by vm_id, when known
	Namespace  string    `json:"namespace"`
	Object     string    `json:"object"`
	VMID       string    `json:"vm_id"` // the node the event is about (vm_id), empty for controller events
	Class      Class     `json:"class"`
	Reason     string    `json:"reason"` // inferred from the message: the wire carries no reason
	Message    string    `json:"message"`
	Raw        string    `json:"-"` // the frame as received (invalid UTF-8 repaired)
	Peer       string    `json:"-"` // the sender's address
	NonUTF8    bool      `json:"-"` // the message held invalid UTF-8, replaced by U+FFFD
}
