// Package native sends a profile's traffic itself, as the local or the remote
// side of an object, over UDP or TCP sockets or raw AF_PACKET frames, paced on
// an absolute schedule, and reports what was sent, received and how on time.
package native
