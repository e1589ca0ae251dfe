import { buildAck } from '../../src/hl7/hl7-ack';
import { parseHl7 } from '../../src/hl7/hl7-message';
import { MllpServer } from '../../src/hl7/mllp/mllp-server';

/** The hospital's GAP as an MLLP listener (a real server): records what Passerelle pushes and answers AA. */
export class FakeGap {
  readonly received: Buffer[] = [];
  private n = 0;
  private readonly server = new MllpServer({
    port: 0,
    handler: async (frame) => {
      this.received.push(frame);
      return buildAck(parseHl7(frame), { code: 'AA', controlId: `GAPACK${++this.n}`, sendingApp: 'GAP', sendingFacility: 'GAP' });
    },
  });

  port = 0;

  async start(): Promise<this> {
    this.port = await this.server.listen();
    return this;
  }

  stop(): Promise<void> {
    return this.server.close();
  }
}
