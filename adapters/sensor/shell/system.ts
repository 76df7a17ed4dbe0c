/**
 * The device the fake shell pretends to be: an ARMv7 home router running BusyBox
 * ash — what Mirai-family bots expect behind a telnet login. Every text here is
 * static; nothing reflects the real host.
 */

export interface SystemProfile {
  readonly hostname: string
  readonly kernel: string
  readonly kernelBuild: string
  readonly machine: string
  readonly busybox: string
}

export const defaultProfile: SystemProfile = {
  hostname: "localhost",
  kernel: "3.10.14",
  kernelBuild: "#1 SMP PREEMPT Tue Mar 12 16:41:02 CST 2019",
  machine: "armv7l",
  busybox: "BusyBox v1.31.1 (2019-03-12 16:38:27 CST)"
}

/** BusyBox applets this build pretends to have; anything else is "applet not found". */
export const applets: ReadonlyArray<string> = [
  "[", "[[", "ash", "awk", "basename", "cat", "chmod", "chown", "cp", "cut", "date", "dd", "df", "dmesg", "echo",
  "egrep", "env", "false", "free", "ftpget", "ftpput", "grep", "gunzip", "gzip", "halt", "head", "hostname", "id",
  "ifconfig", "kill", "killall", "ln", "login", "ls", "mkdir", "mount", "mv", "nc", "netstat", "nproc", "passwd",
  "ping", "ps", "pwd", "reboot", "rm", "rmdir", "route", "sed", "sh", "sleep", "sync", "tail", "tar", "telnetd",
  "test", "tftp", "top", "touch", "true", "umount", "uname", "uptime", "vi", "wc", "wget", "which", "whoami", "xargs"
]

export const busyboxHelp = (p: SystemProfile): string =>
  `${p.busybox} multi-call binary.\n` +
  "BusyBox is copyrighted by many authors between 1998-2015.\n" +
  "Licensed under GPLv2. See source distribution for detailed\n" +
  "copyright notices.\n\n" +
  "Usage: busybox [function [arguments]...]\n" +
  "   or: busybox --list[-full]\n" +
  "   or: busybox --install [-s] [DIR]\n" +
  "   or: function [arguments]...\n\n" +
  "\tBusyBox is a multi-call binary that combines many common Unix\n" +
  "\tutilities into a single executable.  Most people will create a\n" +
  "\tlink to busybox for each function they wish to use and BusyBox\n" +
  "\twill act like whatever it was invoked as.\n\n" +
  "Currently defined functions:\n" +
  wrap(applets.join(", "), 76, "\t") +
  "\n"

const wrap = (text: string, width: number, indent: string): string => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(" ")) {
    if (line.length + word.length + 1 > width) {
      lines.push(indent + line.trimEnd())
      line = ""
    }
    line += word + " "
  }
  if (line !== "") lines.push(indent + line.trimEnd())
  return lines.join("\n")
}

const cpuinfo =
  "processor\t: 0\n" +
  "model name\t: ARMv7 Processor rev 1 (v7l)\n" +
  "BogoMIPS\t: 1594.16\n" +
  "Features\t: half thumb fastmult vfp edsp thumbee neon vfpv3 tls vfpd32 \n" +
  "CPU implementer\t: 0x41\n" +
  "CPU architecture: 7\n" +
  "CPU variant\t: 0x4\n" +
  "CPU part\t: 0xc09\n" +
  "CPU revision\t: 1\n\n" +
  "Hardware\t: Broadcom BCM63138\n" +
  "Revision\t: 0000\n" +
  "Serial\t\t: 0000000000000000\n"

const meminfo =
  "MemTotal:         246108 kB\nMemFree:           61240 kB\nMemAvailable:      98356 kB\n" +
  "Buffers:            6512 kB\nCached:            41836 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n"

/**
 * The first 52 bytes of an ELF32 little-endian ARM executable: loaders `cat /bin/echo`
 * and read e_machine (0x28 = ARM) to pick which binary to drop.
 */
const elfHeader = String.fromCharCode(
  0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  2, 0, 0x28, 0, 1, 0, 0, 0, 0x54, 0x81, 0, 0, 0x34, 0, 0, 0,
  0xc4, 0x2e, 0x0a, 0, 2, 4, 0, 5, 0x34, 0, 0x20, 0, 7, 0, 0x28, 0, 0x1b, 0, 0x1a, 0
)

/** Files with fixed contents; directories are listed in `directories`. */
export const files = (p: SystemProfile): ReadonlyMap<string, string> =>
  new Map([
    ["/proc/cpuinfo", cpuinfo],
    ["/proc/meminfo", meminfo],
    ["/proc/version", `Linux version ${p.kernel} (build@buildhost) (gcc version 4.9.4) ${p.kernelBuild}\n`],
    ["/proc/mounts", "rootfs / rootfs rw 0 0\n/dev/root / squashfs ro,relatime 0 0\nproc /proc proc rw,relatime 0 0\ntmpfs /tmp tmpfs rw,relatime 0 0\ntmpfs /var tmpfs rw,relatime 0 0\n"],
    ["/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000:admin:/home/admin:/bin/sh\nnobody:x:99:99:nobody:/:/bin/false\n"],
    ["/etc/issue", `${p.busybox.split(" (")[0]} Linux ${p.kernel}\n`],
    ["/etc/hostname", `${p.hostname}\n`],
    ["/bin/busybox", elfHeader],
    ["/bin/echo", elfHeader],
    ["/bin/sh", elfHeader]
  ])

export const directories: ReadonlyMap<string, ReadonlyArray<string>> = new Map([
  ["/", ["bin", "dev", "etc", "home", "lib", "mnt", "proc", "root", "sbin", "sys", "tmp", "usr", "var"]],
  ["/bin", ["ash", "busybox", "cat", "chmod", "cp", "echo", "ls", "mkdir", "mv", "ping", "ps", "rm", "sh", "tftp", "wget"]],
  ["/etc", ["group", "hostname", "hosts", "inittab", "issue", "passwd", "profile", "resolv.conf", "shadow"]],
  ["/proc", ["1", "cpuinfo", "meminfo", "mounts", "net", "self", "version"]],
  ["/dev", ["console", "mtd0", "mtd1", "null", "ptmx", "pts", "tty", "urandom", "watchdog", "zero"]],
  ["/home", ["admin"]],
  ["/home/admin", []],
  ["/root", []],
  ["/tmp", []],
  ["/var", ["lock", "log", "run", "tmp"]],
  ["/var/tmp", []],
  ["/var/run", []],
  ["/mnt", []],
  ["/usr", ["bin", "sbin"]],
  ["/usr/bin", []],
  ["/usr/sbin", []],
  ["/lib", []],
  ["/sbin", []],
  ["/sys", []]
])

export const processList =
  "  PID USER       VSZ STAT COMMAND\n" +
  "    1 root      1532 S    init\n" +
  "    2 root         0 SW   [kthreadd]\n" +
  "  412 root      1528 S    /sbin/syslogd -n\n" +
  "  498 root      2104 S    /usr/sbin/telnetd -F\n" +
  "  503 root      3876 S    /usr/sbin/httpd -h /www\n" +
  "  611 root      1536 S    -sh\n"
