// Command etcd is upstream etcd's server, built at the version Kubernetes pins,
// so the test control plane never depends on a distro etcd that is too old.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
