// Drives the VS Code workbench in Chromium the way a person does: activity bar, command palette
// (F1), quick picks, input boxes, modal dialogs, notifications, tree rows. Selectors are VS Code's
// own (see docs offline-testing.md section 1); rows are found by their accessibility label.

import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export class Workbench {
  readonly browser: Browser;
  readonly page: Page;

  private constructor(browser: Browser, page: Page) {
    this.browser = browser;
    this.page = page;
  }

  static async open(url: string, viewport = { width: 1400, height: 900 }): Promise<Workbench> {
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport });
    // The workbench may only talk to code-server on 127.0.0.1.
    const origin = new URL(url).origin;
    await page.route((u) => !u.href.startsWith(origin) && !u.protocol.startsWith('vscode-') && u.protocol !== 'data:' && u.protocol !== 'blob:', (r) => r.abort());
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    return new Workbench(browser, page);
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  sidebar(): Locator {
    return this.page.locator('.part.sidebar');
  }

  /** Drags the sash right of the side bar so rows are not cut short (for readable screenshots). */
  async widenSidebar(width: number): Promise<void> {
    const box = await this.sidebar().boundingBox();
    if (!box || box.width >= width) return;
    const x = box.x + box.width + 1;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(x, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 5 });
    await this.page.mouse.up();
  }

  async openView(title: string): Promise<void> {
    const entry = this.page.locator(`.activitybar .action-item .action-label[aria-label^="${title}"]`);
    await entry.waitFor({ timeout: 60_000 });
    // Clicking the entry of the view already shown would close the side bar.
    const item = entry.locator('xpath=..');
    const checked = (await item.getAttribute('aria-pressed').catch(() => null)) === 'true' || /\bchecked\b/.test((await item.getAttribute('class').catch(() => null)) ?? '');
    if (!checked) await entry.click();
  }

  /** A tree row whose accessibility label starts with `prefix` ("n-1," for node n-1). */
  row(prefix: string): Locator {
    return this.sidebar().locator(`.monaco-list-row[aria-label^="${prefix}"]`);
  }

  /** Expands a tree row (clicks again if a repaint swallowed the click). */
  async expand(prefix: string, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const row = this.row(prefix).first();
      const state = await row.getAttribute('aria-expanded', { timeout: 5000 }).catch(() => null);
      if (state === 'true') return;
      if (state === 'false') await row.click({ timeout: 2000 }).catch(() => {});
      await this.page.waitForTimeout(300);
    }
    throw new Error(`row ${prefix} did not expand`);
  }

  async rowLabels(): Promise<string[]> {
    return this.sidebar().locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  }

  /** Waits until the row's label matches, e.g. row "n-1," becoming "n-1, draining …". */
  async waitRow(prefix: string, re: RegExp, timeoutMs = 30_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      const labels = (await this.rowLabels()).filter((l) => l.startsWith(prefix));
      last = labels.join(' | ');
      if (labels.some((l) => re.test(l))) return labels.find((l) => re.test(l)) ?? '';
      await this.page.waitForTimeout(200);
    }
    throw new Error(`row ${prefix} never matched ${re}; last: ${last || '(no such row)'}; rows: ${(await this.rowLabels()).join(' | ')}`);
  }

  /** Runs a command from the palette by its full title ("nodemend: Schedule Reboot…"). */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    const input = this.quickInput();
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`>${title}`);
    const item = this.quickRow(title);
    await item.first().waitFor({ timeout: 10_000 });
    await item.first().click();
  }

  quickInput(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  quickRow(labelPrefix: string): Locator {
    return this.page.locator(`.quick-input-widget .quick-input-list .monaco-list-row[aria-label*="${labelPrefix}"]`);
  }

  /** Waits for the quick input to show a title matching `re` (the next step of a flow). */
  async waitQuickTitle(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      last = (await this.page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '';
      if (re.test(last)) return last;
      await this.page.waitForTimeout(100);
    }
    throw new Error(`quick input title never matched ${re}; last: ${JSON.stringify(last)}`);
  }

  /** Multi-select pick: filters to each name, ticks it, then accepts with OK. */
  async pickMany(names: string[]): Promise<void> {
    const input = this.quickInput();
    for (const n of names) {
      await input.fill(n);
      const row = this.page.locator(`.quick-input-widget .quick-input-list .monaco-list-row[aria-label^="${n}"]`).first();
      await row.waitFor({ timeout: 10_000 });
      await row.locator('.monaco-checkbox, input[type=checkbox]').first().click();
    }
    await input.fill('');
    await this.page.locator('.quick-input-widget .quick-input-action .monaco-button, .quick-input-widget a.monaco-button').filter({ hasText: 'OK' }).first().click();
  }

  /** Single pick by label text. */
  async pickOne(label: string): Promise<void> {
    const row = this.quickRow(label).first();
    await row.waitFor({ timeout: 10_000 });
    await row.click();
  }

  /** Types into the open input box (after its title shows, if given) and accepts with Enter. */
  async type(text: string, accept = true, title?: RegExp): Promise<string> {
    if (title) await this.waitQuickTitle(title);
    const input = this.quickInput();
    await input.waitFor({ timeout: 10_000 });
    await input.fill(text);
    await this.page.waitForTimeout(150);
    const msg = await this.inputMessage();
    if (accept) await input.press('Enter');
    return msg;
  }

  /** Types without accepting and waits until the input box's validation message matches `re`. */
  async typeExpecting(text: string, re: RegExp, title?: RegExp, timeoutMs = 10_000): Promise<string> {
    if (title) await this.waitQuickTitle(title);
    const input = this.quickInput();
    await input.waitFor({ timeout: 10_000 });
    await input.fill(text);
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      last = await this.inputMessage();
      if (re.test(last)) return last;
      await this.page.waitForTimeout(100);
    }
    throw new Error(`input message for ${JSON.stringify(text)} never matched ${re}; last: ${JSON.stringify(last)}`);
  }

  private async inputMessage(): Promise<string> {
    return ((await this.page.locator('.quick-input-widget .quick-input-message').textContent().catch(() => '')) ?? '').trim();
  }

  dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  async dialogButton(text: string): Promise<void> {
    await this.dialog().locator('.monaco-button', { hasText: text }).first().click();
  }

  /**
   * Answers the extension's question before it sends the token to a direct hub URL (hub mode
   * "url"): once per URL and user data folder, at the first connect. Shows the nodemend view
   * first: that is what connects (unless nodemend.connectAtStartup is on).
   */
  async approveHub(url: string, timeoutMs = 60_000): Promise<void> {
    await this.openView('nodemend');
    const d = this.dialog().filter({ hasText: `Send your Kubernetes credentials to ${url}?` });
    await d.waitFor({ timeout: timeoutMs });
    await d.locator('.monaco-button', { hasText: 'Connect' }).first().click();
    await d.waitFor({ state: 'detached', timeout: 10_000 });
  }

  /** Waits for a notification toast containing the text; returns its full text. */
  async notification(re: RegExp, timeoutMs = 30_000): Promise<string> {
    const toast = this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: re }).first();
    await toast.waitFor({ timeout: timeoutMs });
    return (await toast.textContent()) ?? '';
  }

  /** Closes every toast (they would cover the next screenshot). */
  async clearNotifications(): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const toast = this.page.locator('.notifications-toasts .notification-toast').first();
      if (!(await toast.isVisible().catch(() => false))) return;
      await toast.hover().catch(() => {});
      await toast.locator('.codicon-notifications-clear').first().click({ timeout: 2000 }).catch(() => {});
    }
  }

  /** The aria-label of our status bar item ("nodemend, context operator, 1 waiting"). */
  async status(): Promise<string> {
    return (await this.page.locator('.statusbar-item[aria-label^="nodemend, context"]').getAttribute('aria-label', { timeout: 10_000 })) ?? '';
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path });
  }
}
