import { en } from '../texts/en.js';
import { readOrderForm } from './order-form.js';

const valid = {
  plan: 'chat',
  clubName: '  Gardeners   of Südstadt ',
  contactEmail: ' Chair@Gardeners.Example ',
  password: 'a long enough password',
  addressKind: 'subdomain',
  subdomain: ' Gardeners ',
  customDomain: 'ignored.example',
  acceptTerms: 'yes',
  acceptDpa: 'yes',
};

describe('readOrderForm', () => {
  it('normalises a valid form into a request with only the chosen address', () => {
    const { request, errors } = readOrderForm(valid, en);
    expect(errors).toEqual({});
    expect(request).toEqual({ plan: 'chat', clubName: 'Gardeners of Südstadt', contactEmail: 'chair@gardeners.example', password: 'a long enough password', subdomain: 'gardeners', locale: 'en' });
    const custom = readOrderForm({ ...valid, addressKind: 'custom', customDomain: 'club.example.org' }, en).request;
    expect(custom).toMatchObject({ customDomain: 'club.example.org' });
    expect(custom).not.toHaveProperty('subdomain');
  });

  it('names every bad field with a message from the texts, and never echoes the password', () => {
    const { request, errors, values } = readOrderForm(
      { plan: ['chat'], clubName: 'x'.repeat(101), contactEmail: 'not-an-email', password: 'short', addressKind: 'subdomain', subdomain: '', acceptTerms: 'no' },
      en,
    );
    expect(request).toBeUndefined();
    expect(errors).toEqual({
      plan: en.errors.plan,
      clubName: en.errors.clubName,
      contactEmail: en.errors.contactEmail,
      password: en.errors.password,
      subdomain: en.errors.subdomain,
      acceptTerms: en.errors.acceptTerms,
      acceptDpa: en.errors.acceptDpa,
    });
    expect(values).not.toHaveProperty('password');
  });

  it('refuses control characters in the name and asks for the domain when that is the choice', () => {
    const { errors } = readOrderForm({ ...valid, clubName: 'Club\u0007', addressKind: 'custom', customDomain: '' }, en);
    expect(errors).toEqual({ clubName: en.errors.clubNameCharacters, customDomain: en.errors.customDomain });
  });
});

describe('order form: values the apps would refuse are refused here', () => {
  it.each([
    ['clubName', 'Club \u202Eevil', 'clubNameCharacters'],
    ['contactEmail', "o'brien@club.example", 'contactEmail'],
    ['contactEmail', '-option@club.example', 'contactEmail'],
  ])('%s %p', (field, value, message) => {
    const { errors } = readOrderForm({ ...valid, [field]: value }, en);
    expect(errors[field as keyof typeof errors]).toBe(en.errors[message as keyof typeof en.errors]);
  });
});
