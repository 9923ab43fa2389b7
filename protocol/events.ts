// The Node Event convention the agent writes and the hub reads: where and under which name.
//
// Events about a Node (a cluster-scoped object) live in the "default" namespace, where the
// kubelet writes its own and `kubectl describe node` looks. The agent records its steps there
// with source.component and reportingComponent set to AGENT_EVENT_COMPONENT. The hub shows only
// those: an Event in another namespace, or from another component, is not the agent's, whatever
// Node it names (anyone allowed to create Events in their own namespace could otherwise put lines
// in every viewer's log).

export const NODE_EVENTS_NAMESPACE = 'default';
export const AGENT_EVENT_COMPONENT = 'nodemend-agent';
