package pks

// The frames of shared/reference/pks.md section 4.3, byte for byte (the
// reference shows the trailing newline escaped).
var referenceFrames = []string{
	"263 <14>1 2019-01-25T09:26:44.052731+00:00 my-cluster k8s.event/default/nginx-7d9b8c6f5d-x2x7q/ - - [kubernetes@47450 namespace_name=\"default\" object_name=\"nginx-7d9b8c6f5d-x2x7q\" container_name=\"\" vm_id=\"vm-2f1c9d7e-6a41-4b8e-5d3a-0c9e8f7a6b5c\"] Error: ErrImagePull\n",
	"315 <14>1 2019-01-25T09:26:44.052731+00:00 my-cluster k8s.event/monitoring/cost-analyzer-prometheus-se - - [kubernetes@47450 namespace_name=\"monitoring\" object_name=\"cost-analyzer-prometheus-server-6c9f7d8b5-kq2zt\" container_name=\"\" vm_id=\"vm-2f1c9d7e-6a41-4b8e-5d3a-0c9e8f7a6b5c\"] Back-off restarting failed container\n",
	"278 <14>1 2019-01-25T09:26:44.052731+00:00 my-cluster k8s.event/rocky-raccoon/logspewer-6b58b6689d-sr9 - - [kubernetes@47450 namespace_name=\"rocky-raccoon\" object_name=\"logspewer-6b58b6689d-sr96t\" container_name=\"\" vm_id=\"vm-efe48928-be8e-4db5-772c-426ee7aa52f2\"] Started container\n",
	"355 <14>1 2018-11-26T18:51:41.647825+00:00 my-cluster pod.log/rocky-raccoon/logspewer-6b58b6689d-dhddj - - [kubernetes@47450 app=\"logspewer\" pod-template-hash=\"2614622458\" namespace_name=\"rocky-raccoon\" object_name=\"logspewer-6b58b6689d-dhddj\" container_name=\"logspewer\" vm_id=\"vm-3ebfe45d-492d-4bfd-59c4-c45d91688c65\"] 2018/11/26 18:51:41 Log Message 589910\n",
}

// octetFrame frames an RFC 5424 message the way PKS does.
func octetFrame(msg string) string {
	return itoa(len(msg)) + " " + msg
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// eventMsg builds an event message in the reference's format.
func eventMsg(ns, obj, vm, text string) string {
	app := "k8s.event/" + ns + "/" + obj + "/"
	if len(app) > 48 {
		app = app[:48]
	}
	sd := `[kubernetes@47450 namespace_name="` + ns + `" object_name="` + obj + `" container_name=""`
	if vm != "" {
		sd += ` vm_id="` + vm + `"`
	}
	return "<14>1 2024-03-01T10:00:00.5+00:00 prod-east " + app + " - - " + sd + "] " + text + "\n"
}
