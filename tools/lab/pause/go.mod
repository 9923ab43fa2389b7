// The lab's pause program (scripts/image.sh pause): standard library only, so it builds offline
// with any Go from 1.19 (Debian 12's golang-go) on.
module nodemend.dev/tools/lab/pause

go 1.19
