import type { Channel } from './program-config.ts';

/** A caregiver linked to a student, as generation sees it. */
export interface Contact {
  caregiverId: number;
  contactKey: string;
  firstName: string | null;
  language: string;
  phoneE164: string | null;
  /** Set when the file's phone number was not valid (then phoneE164 is null). */
  phoneAsGiven: string | null;
  email: string | null;
  emailValid: boolean;
  smsConsent: boolean;
  messageContact: boolean;
  /** The caregiver, or anyone in the district with the same phone number, opted out. */
  optedOut: boolean;
}

export interface SkipCounts {
  contactsOptedOut: number;
  contactsNoConsent: number;
  contactsNoValidChannel: number;
  contactsInvalidPhone: number;
  languageFallbacks: number;
}

export function emptySkips(): SkipCounts {
  return {
    contactsOptedOut: 0,
    contactsNoConsent: 0,
    contactsNoValidChannel: 0,
    contactsInvalidPhone: 0,
    languageFallbacks: 0,
  };
}

export type Recipient = { contact: Contact; channel: Channel; language: string };

/** Whether a contact can be reached on a channel: SMS needs a valid number and consent. */
export function channelAvailable(c: Contact, channel: Channel): boolean {
  switch (channel) {
    case 'sms':
      return c.phoneE164 !== null && c.smsConsent;
    case 'email':
      return c.email !== null && c.emailValid;
    case 'inbox':
      return true;
  }
}

/**
 * Who of a student's caregivers gets a message, on which channel and in which language. A caregiver
 * is messaged when they are a message contact, neither they nor anyone with their phone number opted
 * out (any opt-out stops every message: honoring an opt-out is not channel-shopping), and one of the
 * program's channels, in its order of preference, is available. The language is the caregiver's when a
 * template exists in it, else English (counted as a fallback). Skips are counted in `skips`.
 */
export function chooseRecipients(
  contacts: readonly Contact[],
  channels: readonly Channel[],
  templateLanguages: ReadonlySet<string>,
  skips: SkipCounts,
): Recipient[] {
  const out: Recipient[] = [];
  for (const c of contacts) {
    if (!c.messageContact) continue;
    if (c.phoneAsGiven !== null) skips.contactsInvalidPhone++;
    if (c.optedOut) {
      skips.contactsOptedOut++;
      continue;
    }
    const channel = channels.find((ch) => channelAvailable(c, ch));
    if (channel === undefined) {
      if (channels.includes('sms') && c.phoneE164 !== null && !c.smsConsent) skips.contactsNoConsent++;
      else skips.contactsNoValidChannel++;
      continue;
    }
    let language = c.language;
    if (!templateLanguages.has(language)) {
      language = 'en';
      skips.languageFallbacks++;
    }
    out.push({ contact: c, channel, language });
  }
  return out;
}
