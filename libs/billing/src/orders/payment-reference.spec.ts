import { isPaymentReference, parsePaymentReference, paymentReference } from './payment-reference.js';

describe('payment references', () => {
  it('are AM, the year and the year\'s sequence number, padded to four digits and growing beyond', () => {
    expect(paymentReference(2026, 42)).toBe('AM-2026-0042');
    expect(paymentReference(2026, 1)).toBe('AM-2026-0001');
    expect(paymentReference(2027, 9999)).toBe('AM-2027-9999');
    expect(paymentReference(2027, 12345)).toBe('AM-2027-12345');
    expect(isPaymentReference('AM-2026-0042')).toBe(true);
    expect(isPaymentReference('AM-2026-42')).toBe(false);
  });

  it('refuses what is no year or sequence number', () => {
    expect(() => paymentReference(26, 1)).toThrow(RangeError);
    expect(() => paymentReference(2026, 0)).toThrow(RangeError);
    expect(() => paymentReference(2026, 1.5)).toThrow(RangeError);
  });

  it('reads a reference as people copy it from a bank statement', () => {
    expect(parsePaymentReference('AM-2026-0042')).toBe('AM-2026-0042');
    expect(parsePaymentReference(' am 2026 42 ')).toBe('AM-2026-0042');
    expect(parsePaymentReference('am_2026-00012345')).toBe('AM-2026-12345');
    expect(parsePaymentReference('AM-2026-0000')).toBeNull();
    expect(parsePaymentReference('3f1c2d9e-0000-4000-8000-000000000000')).toBeNull();
    expect(parsePaymentReference('AM-2026-0042; drop table')).toBeNull();
  });
});
