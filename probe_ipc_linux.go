//go:build linux

package main

// The IPC doctor vector: SysV shared memory and message queues, and POSIX
// message queues, that a process outside owns. Without an IPC namespace
// nothing but the owner's uid guards them, and Landlock does not see them;
// the filter refuses SysV IPC and POSIX queues whole (seccomp.go).

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ipcMarker is what the probe writes into the segment outside.
var ipcMarker = []byte("ESCAPED!")

// msgBuf is struct msgbuf with room for a short text.
type msgBuf struct {
	mtype int64
	mtext [32]byte
}

// Offsets in struct msqid64_ds (include/uapi/asm-generic/msgbuf.h and
// ipcbuf.h, the layout of amd64 and arm64): msg_perm.uid and .gid.
const (
	msqidUID  = 4
	msqidGID  = 8
	msqidSize = 120
)

// arrangeIPC makes, outside, a SysV segment, a SysV message queue and a
// POSIX message queue, all mode 0600 and owned by the user the probe runs
// as, as that user's own processes would have them.
func arrangeIPC(d *doctor, _, _ string) (*witness, error) {
	shmid, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o600)
	if err != nil {
		return nil, errors.New("shmget: " + errName(err))
	}
	msqid, _, e := unix.RawSyscall(unix.SYS_MSGGET, unix.IPC_PRIVATE, unix.IPC_CREAT|0o600, 0)
	if e != 0 {
		unix.SysvShmCtl(shmid, unix.IPC_RMID, nil)
		return nil, errors.New("msgget: " + errName(e))
	}
	mq := fmt.Sprintf("sandbox-doctor-%d-%d", os.Getpid(), d.seq)
	name, _ := unix.BytePtrFromString(mq)
	mqfd, _, e := unix.RawSyscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(name)), unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600, 0, 0, 0)
	mqErr := e
	remove := func() {
		unix.SysvShmCtl(shmid, unix.IPC_RMID, nil)
		unix.RawSyscall(unix.SYS_MSGCTL, msqid, unix.IPC_RMID, 0)
		if mqErr == 0 {
			unix.RawSyscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(name)), 0, 0)
		}
	}
	if mqErr == 0 {
		defer unix.Close(int(mqfd))
	} else {
		mq = "" // no POSIX queues on this kernel; the SysV parts go on
	}
	if d.cred != nil {
		var desc unix.SysvShmDesc
		if _, err = unix.SysvShmCtl(shmid, unix.IPC_STAT, &desc); err == nil {
			desc.Perm.Uid, desc.Perm.Gid = d.cred.Uid, d.cred.Gid
			_, err = unix.SysvShmCtl(shmid, unix.IPC_SET, &desc)
		}
		if err == nil {
			var ds [msqidSize]byte
			if _, _, e := unix.RawSyscall(unix.SYS_MSGCTL, msqid, unix.IPC_STAT, uintptr(unsafe.Pointer(&ds))); e != 0 {
				err = e
			} else {
				*(*uint32)(unsafe.Pointer(&ds[msqidUID])) = d.cred.Uid
				*(*uint32)(unsafe.Pointer(&ds[msqidGID])) = d.cred.Gid
				if _, _, e := unix.RawSyscall(unix.SYS_MSGCTL, msqid, unix.IPC_SET, uintptr(unsafe.Pointer(&ds))); e != 0 {
					err = e
				}
			}
		}
		if err == nil && mqErr == 0 {
			err = unix.Fchown(int(mqfd), int(d.cred.Uid), int(d.cred.Gid))
		}
		if err != nil {
			remove()
			return nil, errors.New("giving the IPC objects to the probe's user: " + errName(err))
		}
	}
	saw := func() string {
		var d []string
		if _, err := unix.SysvShmCtl(shmid, unix.IPC_STAT, &unix.SysvShmDesc{}); err != nil {
			d = append(d, "the shared memory segment outside was removed")
		} else if mem, err := unix.SysvShmAttach(shmid, 0, unix.SHM_RDONLY); err == nil {
			if bytes.Contains(mem, ipcMarker) {
				d = append(d, "the shared memory segment outside was written")
			}
			unix.SysvShmDetach(mem)
		}
		var m msgBuf
		_, _, e := unix.RawSyscall6(unix.SYS_MSGRCV, msqid, uintptr(unsafe.Pointer(&m)), unsafe.Sizeof(m.mtext), 0, unix.IPC_NOWAIT, 0)
		switch e {
		case 0:
			d = append(d, "the message queue outside received a message")
		case unix.EIDRM, unix.EINVAL:
			d = append(d, "the message queue outside was removed")
		}
		if mq != "" {
			fd, _, e := unix.RawSyscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(name)), unix.O_RDONLY|unix.O_CLOEXEC, 0, 0, 0, 0)
			if e == unix.ENOENT {
				d = append(d, "the POSIX message queue outside was removed")
			} else if e == 0 {
				unix.Close(int(fd))
			}
		}
		return strings.Join(d, "; ")
	}
	return &witness{args: []string{strconv.Itoa(shmid), strconv.Itoa(int(msqid)), mq}, saw: saw, close: remove}, nil
}

// trySysVIPC writes into the segment outside, sends to the queue outside,
// then removes both, and unlinks the POSIX queue outside.
func trySysVIPC(a []string) (r probeReport) {
	shmid, err1 := strconv.Atoi(probeArg(a, 0))
	msqid, err2 := strconv.Atoi(probeArg(a, 1))
	if err := errors.Join(err1, err2); err != nil {
		r.fail("arguments", err)
		return r
	}
	if mem, err := unix.SysvShmAttach(shmid, 0, 0); err != nil {
		r.fail("shmat", err)
	} else {
		copy(mem, ipcMarker)
		unix.SysvShmDetach(mem)
	}
	m := msgBuf{mtype: 1}
	copy(m.mtext[:], "escaped")
	if _, _, e := unix.RawSyscall6(unix.SYS_MSGSND, uintptr(msqid), uintptr(unsafe.Pointer(&m)), 7, unix.IPC_NOWAIT, 0, 0); e != 0 {
		r.fail("msgsnd", e)
	}
	if _, err := unix.SysvShmCtl(shmid, unix.IPC_RMID, nil); err != nil {
		r.fail("shmctl(IPC_RMID)", err)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_MSGCTL, uintptr(msqid), unix.IPC_RMID, 0); e != 0 {
		r.fail("msgctl(IPC_RMID)", e)
	}
	if mq := probeArg(a, 2); mq != "" {
		name, _ := unix.BytePtrFromString(mq)
		if _, _, e := unix.RawSyscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(name)), 0, 0); e != 0 {
			r.fail("mq_unlink", e)
		}
	}
	return r
}
