package watch

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// procInotify is where Linux shows the inotify limits; a variable for
// tests.
var procInotify = "/proc/sys/fs/inotify/"

// LimitHint explains an error of setting up a watch that hit a limit of
// the kernel, naming the limit and the command to raise it, and -poll as
// the way around it. It returns "" for any other error.
//
// On Linux, inotify_add_watch fails with ENOSPC ("no space left on
// device") when fs.inotify.max_user_watches is used up: one watch per
// directory, shared by every program of the user (editors, IDEs, file
// syncers). inotify_init fails with EMFILE ("too many open files") when
// fs.inotify.max_user_instances is used up, or the process is out of file
// descriptors, which is also what kqueue (macOS, BSD) says, as it opens
// every watched file.
func LimitHint(err error) string {
	var b strings.Builder
	switch {
	case errors.Is(err, syscall.ENOSPC):
		b.WriteString("the inotify watch limit is reached: fs.inotify.max_user_watches" + current("max_user_watches") +
			" is shared by all of this user's programs, one watch per watched directory.\n")
		b.WriteString(sysctlHowTo("max_user_watches", 524288))
	case errors.Is(err, syscall.EMFILE):
		b.WriteString("too many open files: the limit of inotify instances, fs.inotify.max_user_instances" + current("max_user_instances") +
			", one per watching program of this user, is reached, or this process's open-file limit (ulimit -n) is.\n")
		b.WriteString(sysctlHowTo("max_user_instances", 1024))
		b.WriteString("  The open-file limit, for this shell:\n\tulimit -n 65536\n")
	default:
		return ""
	}
	b.WriteString("  Or poll instead, which needs no inotify at all:\n\tomnisim watch -poll ...")
	return b.String()
}

// current gives " (now N)" for an inotify limit, or "" where it cannot be
// read (not Linux).
func current(name string) string {
	b, err := os.ReadFile(procInotify + name)
	if err != nil {
		return ""
	}
	return " (now " + strings.TrimSpace(string(b)) + ")"
}

func sysctlHowTo(name string, value int) string {
	key := "fs.inotify." + name
	return fmt.Sprintf("  Raise it until the next reboot with:\n\tsudo sysctl %s=%d\n"+
		"  and for good with:\n\techo %s=%d | sudo tee /etc/sysctl.d/90-inotify.conf && sudo sysctl --system\n",
		key, value, key, value)
}
