package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file builds sink traffic exactly as PKS frames it
// (shared/reference/pks.md section 4.3): octet counting with the trailing
// newline counted, <14>1, timestamps with up to six fractional digits and
// a numeric offset, HOSTNAME = the cluster name, APP-NAME
// k8s.event/<namespace>/<object>/ cut at 48 bytes, PROCID and MSGID "-",
// one kubernetes@47450 element, and MSG = the event message only.

// sinkTimeLayout is the record time as the fluent-bit syslog output writes
// it: never "Z", trailing fractional zeros dropped.
const sinkTimeLayout = "2006-01-02T15:04:05.999999-07:00"

// maxAppName is RFC 5424's APP-NAME limit, which the plugin cuts to.
const maxAppName = 48

// sinkRecord is one message before framing.
type sinkRecord struct {
	at        time.Time
	host      string // the cluster name
	event     bool   // k8s.event; else pod.log
	namespace string
	object    string
	container string
	vmID      string      // the node; empty for controller and scheduler events
	labels    [][2]string // pod labels, pod.log only
	msg       string
}

// appName is "<prefix>/<namespace>/<pod>/<container>", cut to 48 bytes.
func (r *sinkRecord) appName() string {
	prefix := "pod.log"
	if r.event {
		prefix = "k8s.event"
	}
	s := prefix + "/" + r.namespace + "/" + r.object + "/" + r.container
	if len(s) > maxAppName {
		s = s[:maxAppName]
	}
	return s
}

// sdEscape escapes a structured-data value: '"', '\' and ']'.
func sdEscape(s string) string {
	if !strings.ContainsAny(s, "\"\\]") {
		return s
	}
	var b strings.Builder
	for _, c := range []byte(s) {
		if c == '"' || c == '\\' || c == ']' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// message renders the RFC 5424 message, newline included.
func (r *sinkRecord) message() string {
	var b strings.Builder
	host := r.host
	if host == "" {
		host = "-"
	}
	fmt.Fprintf(&b, "<14>1 %s %s %s - - [kubernetes@47450", r.at.UTC().Format(sinkTimeLayout), host, r.appName())
	for _, l := range r.labels {
		fmt.Fprintf(&b, " %s=\"%s\"", l[0], sdEscape(l[1]))
	}
	fmt.Fprintf(&b, " namespace_name=\"%s\" object_name=\"%s\" container_name=\"%s\"",
		sdEscape(r.namespace), sdEscape(r.object), sdEscape(r.container))
	if r.vmID != "" {
		fmt.Fprintf(&b, " vm_id=\"%s\"", sdEscape(r.vmID))
	}
	b.WriteString("] ")
	b.WriteString(r.msg)
	if !strings.HasSuffix(r.msg, "\n") {
		b.WriteByte('\n')
	}
	return b.String()
}

// frame is the octet-counted frame: "<length> <message>".
func (r *sinkRecord) frame() []byte {
	m := r.message()
	return []byte(strconv.Itoa(len(m)) + " " + m)
}
