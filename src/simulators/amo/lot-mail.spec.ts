import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { buildLotMessage } from '../../transport/channels/smtp-message';
import { lotAttachmentOf, lotRefOfFileName } from './lot-mail';

const read = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

describe('lot-mail: the lot out of a received message', () => {
  const content = randomBytes(5000);
  const lotRef = 'B2-990000010-01751-000042';

  it('reads the single-part message the SmtpChannel sends (file name, bytes, idempotency key)', async () => {
    const raw = await read(
      buildLotMessage(
        {
          lotId: lotRef,
          attemptId: 'attempt-1',
          idempotencyKey: 'key-42',
          fileName: `${lotRef}.p7m`,
          content,
          contentType: 'application/pkcs7-mime; smime-type=enveloped-data',
          recipient: 'fides@cpam-test.fr',
        },
        { from: 'facturation@ch-test.fr', messageIdDomain: 'passerelle', contentSha256: 'x', date: new Date() },
      ),
    );
    const lot = lotAttachmentOf(raw);
    expect(lot?.fileName).toBe(`${lotRef}.p7m`);
    expect(lot?.idempotencyKey).toBe('key-42');
    expect(lot?.content.equals(content)).toBe(true);
  });

  it('finds the *.p7m part of a multipart message', async () => {
    const mail = new MailComposer({
      from: 'a@b.fr',
      to: 'c@d.fr',
      text: 'see attachment',
      attachments: [{ filename: `${lotRef}.p7m`, content, contentType: 'application/pkcs7-mime' }],
    });
    const raw = await new Promise<Buffer>((resolve, reject) => mail.compile().build((err, msg) => (err ? reject(err) : resolve(msg))));
    const lot = lotAttachmentOf(raw);
    expect(lot?.fileName).toBe(`${lotRef}.p7m`);
    expect(lot?.content.equals(content)).toBe(true);
  });

  it('says when a message carries no lot', () => {
    expect(lotAttachmentOf(Buffer.from('From: a@b.fr\r\nSubject: hello\r\n\r\nno lot here\r\n'))).toBeUndefined();
  });

  it('derives the lot reference from the SMTP name and from the file-drop name', () => {
    expect(lotRefOfFileName(`${lotRef}.p7m`)).toBe(lotRef);
    expect(lotRefOfFileName(`key-42__${lotRef}.p7m`)).toBe(lotRef);
  });
});
