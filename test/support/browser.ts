/** Headless Debian Chromium through playwright-core (no browser download: the repo installs chromium with apt). */
import { chromium, type Browser } from 'playwright-core';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // The machines have no network beyond the package registries; keep Chromium from trying.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
