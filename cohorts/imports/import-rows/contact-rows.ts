import { FORMATS, optionalColumns } from '../import-formats.ts';
import { normalizeLanguage } from '../normalize/language.ts';
import { normalizeLocalId } from '../normalize/identifiers.ts';
import { normalizePhone } from '../normalize/phone.ts';
import { parseBoolean, parseIsoDate } from '../normalize/values.ts';
import { quote, type FieldResult } from '../normalize/field-result.ts';
import { unknownStudentReason, type DistrictReference } from '../district-reference.ts';
import { BAD, cell, take, takeOptional, type RowReader } from './row-reader.ts';

const RELATIONSHIPS: Record<string, { value: string; note?: string }> = {
  parent: { value: 'parent' },
  guardian: { value: 'guardian' },
  relative: { value: 'relative' },
  other: { value: 'other' },
  mother: { value: 'parent', note: 'relationship mother read as parent' },
  father: { value: 'parent', note: 'relationship father read as parent' },
  grandparent: { value: 'relative', note: 'relationship grandparent read as relative' },
  grandmother: { value: 'relative', note: 'relationship grandmother read as relative' },
  grandfather: { value: 'relative', note: 'relationship grandfather read as relative' },
};

export function parseRelationship(raw: string): FieldResult<string> {
  const hit = RELATIONSHIPS[raw.trim().toLowerCase()];
  if (!hit)
    return { ok: false, reason: `relationship ${quote(raw)} is not parent, guardian, relative or other` };
  return hit.note ? { ok: true, value: hit.value, note: hit.note } : { ok: true, value: hit.value };
}

const CHANNELS = new Set(['sms', 'email', 'voice', 'all']);
function parseChannel(raw: string): FieldResult<string> {
  const s = raw.trim().toLowerCase();
  const v = s === 'text' ? 'sms' : s;
  if (!CHANNELS.has(v))
    return { ok: false, reason: `opt-out channel ${quote(raw)} is not sms, email, voice or all` };
  return v === s
    ? { ok: true, value: v }
    : { ok: true, value: v, note: `opt-out channel ${quote(raw)} read as sms` };
}

/**
 * `contacts.csv`: one row per caregiver and student (a caregiver of siblings appears once per child
 * with the same contact_id). The household must be the student's household on the roster; left blank,
 * it is taken from the roster.
 */
export function contactRows(ref: DistrictReference): RowReader {
  return {
    kind: 'contacts',
    required: FORMATS.contacts.required,
    optional: optionalColumns(FORMATS.contacts),
    stageColumns: [
      ['contact_key', 'text'],
      ['student_id', 'integer'],
      ['household_key', 'text'],
      ['relationship', 'text'],
      ['first_name', 'text'],
      ['last_name', 'text'],
      ['phone_e164', 'text'],
      ['email', 'text'],
      ['language', 'text'],
      ['sms_consent', 'boolean'],
      ['opt_out_at', 'date'],
      ['opt_out_channel', 'text'],
    ],
    read(rec, h, sink) {
      const contact = take(
        normalizeLocalId(cell(rec, h, 'contact_id'), 'contact_id'),
        rec,
        'contact_id',
        sink,
      );
      const sis = take(normalizeLocalId(cell(rec, h, 'student_id'), 'student_id'), rec, 'student_id', sink);
      // A blank household_id means "the student's household" (a OneRoster district's households are
      // derived by Pilot, so its data manager cannot know their keys).
      let household =
        cell(rec, h, 'household_id').trim() === ''
          ? null
          : take(normalizeLocalId(cell(rec, h, 'household_id'), 'household_id'), rec, 'household_id', sink);
      let studentId: number | typeof BAD = BAD;
      if (sis !== BAD) {
        const s = ref.students.get(sis);
        if (!s) sink.problem(rec.line, 'student_id', unknownStudentReason(sis, ref.students));
        else if (household === null) {
          household = s.householdKey;
          studentId = s.id;
        } else if (household !== BAD && s.householdKey !== household) {
          sink.problem(
            rec.line,
            'household_id',
            `household ${household} differs from student ${sis}'s household ${s.householdKey} on the roster`,
          );
        } else studentId = s.id;
      }
      const relationship = take(parseRelationship(cell(rec, h, 'relationship')), rec, 'relationship', sink);
      const phone = takeOptional((raw) => normalizePhone(raw), rec, h, 'phone', sink);
      const emailRaw = cell(rec, h, 'email').trim();
      if (emailRaw !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(emailRaw))
        sink.problem(rec.line, 'email', `${quote(emailRaw)} is not an email address`);
      const language = takeOptional(normalizeLanguage, rec, h, 'preferred_language', sink);
      const consent = takeOptional(parseBoolean, rec, h, 'sms_consent', sink);
      const optOutAt = takeOptional(parseIsoDate, rec, h, 'opt_out_at', sink);
      const channel = takeOptional(parseChannel, rec, h, 'opt_out_channel', sink);
      if (consent === true && phone === null)
        sink.warn('sms_consent is true but no phone number is given', rec.line);
      if (channel !== null && channel !== BAD && optOutAt === null)
        sink.problem(rec.line, 'opt_out_at', 'opt_out_channel is given without opt_out_at');
      const first = cell(rec, h, 'first_name').trim() || null;
      const last = cell(rec, h, 'last_name').trim() || null;
      const values = [
        contact,
        studentId,
        household,
        relationship,
        first,
        last,
        phone,
        emailRaw || null,
        language ?? 'en',
        consent ?? false,
        optOutAt,
        optOutAt !== null && channel === null ? 'all' : channel,
      ];
      if (values.includes(BAD) || (emailRaw !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(emailRaw)))
        return null;
      if (language === null) sink.warn('preferred_language blank: English assumed', rec.line);
      return values as (string | number | boolean | null)[];
    },
  };
}
