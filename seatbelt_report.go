package main

// --print-policy on macOS: the Seatbelt invocation a real run would exec,
// as JSON. Pure, so it is tested on every OS; describe_other.go feeds it.

// seatbeltReport lays out the report for p. cmd is the command as given;
// run is the argv sandbox-exec would be handed (the command resolved to an
// absolute path when it could be). It also says whether a real run would
// go ahead: a policy the profile cannot express is refused (125) there.
func seatbeltReport(p Policy, resolve func(string) string, cmd, run []string) ([]byte, bool) {
	argv, err := seatbeltArgv(p, resolve, run)
	roots, readOnly := []string{}, []string{}
	if !p.FullDiskWrite {
		for _, r := range p.WritableRoots {
			roots = append(roots, r.Path)
			readOnly = append(readOnly, r.ReadOnly...)
		}
	}
	w := jsonWriter{}
	w.openObject()
	w.key("command").strings(cmd)
	w.key("full_disk_write").boolean(p.FullDiskWrite)
	w.key("writable_roots").strings(roots)
	w.key("read_only").strings(readOnly)
	w.key("hidden").strings(append([]string{}, p.Hidden...))
	w.key("network").boolean(p.Network)
	w.key("sandbox_exec_argv")
	if err != nil {
		w.null()
	} else {
		w.strings(argv)
	}
	w.key("would_run").boolean(err == nil)
	if err != nil {
		w.key("refusal").str(err.Error())
	}
	w.closeObject()
	return w.buf, err == nil
}
