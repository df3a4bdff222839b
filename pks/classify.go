package pks

import (
	"fmt"
	"strings"
)

// Class is what an event says is going on, from the operator's point of
// view.
type Class string

// The classes, worst first (see Severity).
const (
	ClassNodeNotReady Class = "node-not-ready" // a node is not ready or unreachable
	ClassOOMKilled    Class = "oom-killed"     // out of memory on a node or in a container
	ClassCrashLoop    Class = "crash-loop"     // Back-off restarting failed container
	ClassImagePull    Class = "image-pull"     // ErrImagePull / ImagePullBackOff
	ClassScheduling   Class = "scheduling"     // FailedScheduling: the pod stays Pending
	ClassOther        Class = "other"          // any other event
	ClassStarted      Class = "started"        // Started container: things work
)

// Classes lists every class, worst first.
var Classes = []Class{ClassNodeNotReady, ClassOOMKilled, ClassCrashLoop, ClassImagePull, ClassScheduling, ClassOther, ClassStarted}

// Severity orders classes: 0 is the worst.
func (c Class) Severity() int {
	for i, x := range Classes {
		if x == c {
			return i
		}
	}
	return len(Classes)
}

// Problem says whether the class needs an operator's attention.
func (c Class) Problem() bool { return c.Severity() < ClassOther.Severity() }

// ParseClass accepts a class name or a unique prefix of one ("crash",
// "image", "oom", "node", "sched", "start").
func ParseClass(s string) (Class, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	var found []Class
	for _, c := range Classes {
		if string(c) == s {
			return c, nil
		}
		if s != "" && strings.HasPrefix(string(c), s) {
			found = append(found, c)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	names := make([]string, len(Classes))
	for i, c := range Classes {
		names[i] = string(c)
	}
	return "", fmt.Errorf("unknown event class %q: want one of %s", s, strings.Join(names, ", "))
}

// rule maps a message pattern to its class and the Kubernetes reason that
// produces that message. Sinks forward only event.message (no reason, no
// type), so the reason is inferred here.
type rule struct {
	prefix   bool // match at the start (kubelets append container names)
	text     string
	class    Class
	reason   string
	anywhere bool // match anywhere in the message
}

// rules are tried in order; the first match wins. Image-pull back-off is
// listed before the crash-loop back-off because both start "Back-off".
var rules = []rule{
	{prefix: true, text: "Error: ErrImagePull", class: ClassImagePull, reason: "Failed"},
	{prefix: true, text: "Error: ImagePullBackOff", class: ClassImagePull, reason: "Failed"},
	{prefix: true, text: "Error: ErrImageNeverPull", class: ClassImagePull, reason: "Failed"},
	{prefix: true, text: "Failed to pull image", class: ClassImagePull, reason: "Failed"},
	{prefix: true, text: "Back-off pulling image", class: ClassImagePull, reason: "BackOff"},
	{prefix: true, text: "Failed to apply default image tag", class: ClassImagePull, reason: "InspectFailed"},
	{prefix: true, text: "Back-off restarting failed container", class: ClassCrashLoop, reason: "BackOff"},
	{anywhere: true, text: "CrashLoopBackOff", class: ClassCrashLoop, reason: "BackOff"},
	{prefix: true, text: "System OOM encountered", class: ClassOOMKilled, reason: "SystemOOM"},
	{prefix: true, text: "Memory cgroup out of memory", class: ClassOOMKilled, reason: "OOMKilling"},
	{prefix: true, text: "Out of memory: Kill", class: ClassOOMKilled, reason: "OOMKilling"},
	{anywhere: true, text: "OOMKilled", class: ClassOOMKilled, reason: "OOMKilled"},
	{anywhere: true, text: "status is now: NodeNotReady", class: ClassNodeNotReady, reason: "NodeNotReady"},
	{anywhere: true, text: "status is now: NodeUnreachable", class: ClassNodeNotReady, reason: "NodeNotReady"},
	{prefix: true, text: "Node is not ready", class: ClassNodeNotReady, reason: "NodeNotReady"},
	{prefix: true, text: "Marking for deletion Pod", class: ClassNodeNotReady, reason: "TaintManagerEviction"},
	{anywhere: true, text: "event: Removing Node", class: ClassNodeNotReady, reason: "RemovingNode"},
	{anywhere: true, text: "nodes are available", class: ClassScheduling, reason: "FailedScheduling"},
	{prefix: true, text: "no nodes available to schedule pods", class: ClassScheduling, reason: "FailedScheduling"},
	{anywhere: true, text: "Insufficient ", class: ClassScheduling, reason: "FailedScheduling"},
	{prefix: true, text: "pod has unbound immediate PersistentVolumeClaims", class: ClassScheduling, reason: "FailedScheduling"},
	{prefix: true, text: "Started container", class: ClassStarted, reason: "Started"},
	{prefix: true, text: "Created pod:", class: ClassOther, reason: "SuccessfulCreate"},
	{prefix: true, text: "Deleted pod:", class: ClassOther, reason: "SuccessfulDelete"},
	{prefix: true, text: "Successfully assigned", class: ClassOther, reason: "Scheduled"},
	{prefix: true, text: "Pulling image", class: ClassOther, reason: "Pulling"},
	{prefix: true, text: "pulling image", class: ClassOther, reason: "Pulling"},
	{prefix: true, text: "Successfully pulled image", class: ClassOther, reason: "Pulled"},
	{prefix: true, text: "Container image", class: ClassOther, reason: "Pulled"},
	{prefix: true, text: "Created container", class: ClassOther, reason: "Created"},
	{prefix: true, text: "Killing container", class: ClassOther, reason: "Killing"},
	{prefix: true, text: "Stopping container", class: ClassOther, reason: "Killing"},
	{prefix: true, text: "Scaled up replica set", class: ClassOther, reason: "ScalingReplicaSet"},
	{prefix: true, text: "Scaled down replica set", class: ClassOther, reason: "ScalingReplicaSet"},
	{prefix: true, text: "Liveness probe failed", class: ClassOther, reason: "Unhealthy"},
	{prefix: true, text: "Readiness probe failed", class: ClassOther, reason: "Unhealthy"},
	{anywhere: true, text: "status is now: NodeReady", class: ClassOther, reason: "NodeReady"},
}

// Classify gives an event message its class and the reason inferred from
// it ("" when no rule knows the message).
func Classify(msg string) (Class, string) {
	for i := range rules {
		r := &rules[i]
		if r.prefix && strings.HasPrefix(msg, r.text) || r.anywhere && strings.Contains(msg, r.text) {
			return r.class, r.reason
		}
	}
	return ClassOther, ""
}
