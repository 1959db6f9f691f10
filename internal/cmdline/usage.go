package cmdline

import (
	"fmt"
	"regexp"
	"strings"
)

// Closest returns the name of names nearest to s in edit distance, or ""
// when none is within a third of its length (a typo, not another word).
func Closest(s string, names []string) string {
	best, bestD := "", len(s)/3+2
	for _, n := range names {
		if d := distance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var (
	badValue   = regexp.MustCompile(`^invalid value "(.*)" for flag -+([\w-]+): (.*)$`)
	undefined  = regexp.MustCompile(`^flag provided but not defined: -+([\w-]+)$`)
	needsValue = regexp.MustCompile(`^flag needs an argument: -+([\w-]+)$`)
)

// UsageError words a flag parser's error for the user, on one line:
// the flag as typed on a command line and the bad value, without Go's
// parse function names. command is the command's name ("" for the
// program's own flags).
func UsageError(command string, err error) error {
	if command != "" {
		command = " " + command
	}
	msg := err.Error()
	if m := badValue.FindStringSubmatch(msg); m != nil {
		want := "a valid value"
		switch {
		case strings.Contains(m[3], "ParseInt"), strings.Contains(m[3], "ParseUint"):
			want = "a whole number"
		case strings.Contains(m[3], "ParseFloat"):
			want = "a number"
		case strings.Contains(m[3], "ParseBool"):
			want = "true or false"
		case strings.Contains(m[3], "duration"):
			want = "a duration such as 500ms, 30s or 2m"
		}
		return Usagef("%s %q: want %s", dashes(m[2]), m[1], want)
	}
	if m := undefined.FindStringSubmatch(msg); m != nil {
		return Usagef("%s: unknown flag (see gmm2trex%s --help)", dashes(m[1]), command)
	}
	if m := needsValue.FindStringSubmatch(msg); m != nil {
		return Usagef("%s: needs a value (see gmm2trex%s --help)", dashes(m[1]), command)
	}
	return Usagef("%s", strings.ReplaceAll(msg, "\n", "; "))
}

// dashes writes a flag name as typed: -p, --pcap.
func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return fmt.Sprintf("--%s", name)
}
