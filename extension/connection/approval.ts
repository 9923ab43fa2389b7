// The person's approval of a direct hub URL (hub mode "url"), asked once per URL before the
// kubeconfig's bearer token is sent to it, and remembered in the extension's global state. Whoever
// runs that URL receives a token that acts as the person in the cluster: a setting alone (which
// may have been pasted from anywhere) is not consent. Without vscode, so it is tested in Node.

/** The part of vscode.Memento used here (context.globalState). */
export interface Memento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** globalState key of the approved URLs (a list of exact URL strings). */
export const APPROVED_HUB_URLS = 'nodemend.approvedHubUrls';

export class HubApprovals {
  private readonly pending = new Map<string, Promise<boolean>>();
  private readonly state: Memento;
  private readonly ask: (url: string) => PromiseLike<boolean>;

  /** `ask` shows the question (a modal naming the URL) and resolves true only on an explicit yes. */
  constructor(state: Memento, ask: (url: string) => PromiseLike<boolean>) {
    this.state = state;
    this.ask = ask;
  }

  approved(url: string): boolean {
    return this.list().includes(url);
  }

  /**
   * True when the URL is approved, asking if it is not. A question already on screen for the same
   * URL is shared (a settings change while the modal is open must not stack a second one). A "no"
   * is not remembered: the next Connect asks again.
   */
  ensure(url: string): Promise<boolean> {
    if (this.approved(url)) return Promise.resolve(true);
    const open = this.pending.get(url);
    if (open) return open;
    const p = (async () => {
      try {
        const yes = (await this.ask(url)) === true;
        if (yes && !this.approved(url)) await this.state.update(APPROVED_HUB_URLS, [...this.list(), url]);
        return yes;
      } finally {
        this.pending.delete(url);
      }
    })();
    this.pending.set(url, p);
    return p;
  }

  /** Takes back every approval; returns how many there were. */
  async forgetAll(): Promise<number> {
    const n = this.list().length;
    await this.state.update(APPROVED_HUB_URLS, undefined);
    return n;
  }

  private list(): string[] {
    const v = this.state.get<unknown>(APPROVED_HUB_URLS);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }
}
