// Command vcsim serves a simulated vCenter (govmomi's simulator package) on loopback for vic's tests and
// benchmarks. It prints one JSON line describing how to reach it and runs until stdin closes or it gets
// SIGTERM/SIGINT, so a test harness that dies takes the simulator with it.
package main

import (
	"bufio"
	"crypto/sha1"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

// description is the single line printed on stdout once the simulator listens.
type description struct {
	URL        string   `json:"url"`
	Username   string   `json:"username"`
	Password   string   `json:"password"`
	Thumbprint string   `json:"thumbprint"`
	Datacenter string   `json:"datacenter"`
	Cluster    string   `json:"cluster,omitempty"`
	Clusters   []string `json:"clusters"`
	Hosts      []string `json:"hosts"`
	Datastore  string   `json:"datastore"`
	Network    string   `json:"network"`
	Portgroup  string   `json:"portgroup,omitempty"`
	Pid        int      `json:"pid"`
}

func main() {
	hosts := flag.Int("hosts", 3, "hosts in each cluster")
	clusters := flag.Int("clusters", 1, "clusters in the datacenter")
	standalone := flag.Int("standalone-hosts", 0, "standalone hosts (a compute resource each) in the datacenter")
	vms := flag.Int("vms", 0, "VMs the model creates in each resource pool (powered on)")
	datastores := flag.Int("datastores", 1, "local datastores, mounted on every host")
	port := flag.Int("port", 0, "TCP port on 127.0.0.1 (0 picks a free one)")
	useTLS := flag.Bool("tls", true, "serve HTTPS with the simulator's self-signed certificate")
	username := flag.String("username", "vic", "the one user name Login accepts")
	password := flag.String("password", "vic-password", "the one password Login accepts")
	sessionTimeout := flag.Duration("session-timeout", 0, "expire sessions idle for this long (0: never)")
	watchStdin := flag.Bool("stdin", true, "exit when stdin reaches end of file")
	flag.Parse()
	if *hosts < 0 || *clusters < 0 || *standalone < 0 || *vms < 0 || *datastores < 1 || *clusters+*standalone < 1 {
		fail("need at least one cluster or standalone host, one datastore and no negative counts")
	}

	// The idle watch is per session and reads this package variable when a session is created.
	simulator.SessionIdleTimeout = *sessionTimeout

	model := simulator.VPX()
	model.Datacenter = 1
	model.Cluster = *clusters
	model.ClusterHost = *hosts
	model.Host = *standalone
	model.Machine = *vms
	model.Datastore = *datastores
	if err := model.Create(); err != nil {
		fail("creating the inventory: %v", err)
	}
	defer model.Remove()
	installClientTasks()

	// Listening on 127.0.0.1 only: the simulator accepts any client and must never face a real network.
	model.Service.Listen = &url.URL{
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)),
		User: url.UserPassword(*username, *password),
	}
	if *useTLS {
		model.Service.TLS = new(tls.Config)
	}
	server := model.Service.NewServer()
	defer server.Close()

	endpoint := *server.URL
	endpoint.User = nil
	d := description{
		URL:        endpoint.String(),
		Username:   *username,
		Password:   *password,
		Datacenter: "/DC0",
		Datastore:  "/DC0/datastore/LocalDS_0",
		Network:    "/DC0/network/VM Network",
		Clusters:   []string{},
		Hosts:      []string{},
		Pid:        os.Getpid(),
	}
	if *useTLS {
		d.Thumbprint = thumbprint(server.Certificate().Raw)
	}
	for c := 0; c < *clusters; c++ {
		cluster := fmt.Sprintf("/DC0/host/DC0_C%d", c)
		d.Clusters = append(d.Clusters, cluster)
		for h := 0; h < *hosts; h++ {
			d.Hosts = append(d.Hosts, fmt.Sprintf("%s/DC0_C%d_H%d", cluster, c, h))
		}
	}
	for h := 0; h < *standalone; h++ {
		d.Hosts = append(d.Hosts, fmt.Sprintf("/DC0/host/DC0_H%d/DC0_H%d", h, h))
	}
	if *clusters > 0 {
		d.Cluster = d.Clusters[0]
	}
	if model.Portgroup > 0 {
		d.Portgroup = "/DC0/network/DC0_DVPG0"
	}
	line, err := json.Marshal(d)
	if err != nil {
		fail("encoding the description: %v", err)
	}
	out := bufio.NewWriter(os.Stdout)
	out.Write(line)
	out.WriteByte('\n')
	out.Flush()

	stop := make(chan string, 2)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() { stop <- (<-signals).String() }()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop <- "stdin closed"
		}()
	}
	reason := <-stop
	fmt.Fprintf(os.Stderr, "vcsim: stopping (%s) at %s\n", reason, time.Now().Format(time.RFC3339))
}

// thumbprint is the SHA-1 of the certificate's DER bytes in the colon-separated upper-case hex form that
// vSphere clients print and accept.
func thumbprint(der []byte) string {
	sum := sha1.Sum(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "vcsim: "+format+"\n", args...)
	os.Exit(2)
}
