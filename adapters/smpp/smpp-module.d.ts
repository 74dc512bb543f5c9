/** The slice of the smpp package (0.5.x, untyped) that the session and the simulator use. */
declare module "smpp" {
  import type { EventEmitter } from "node:events";
  import type { Server as NetServer, Socket } from "node:net";

  namespace smpp {
    interface PDU {
      command: string;
      command_id: number;
      command_status: number;
      sequence_number: number;
      [field: string]: unknown;
      response(options?: Record<string, unknown>): PDU;
      isResponse(): boolean;
    }

    interface Session extends EventEmitter {
      socket: Socket;
      send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
      pause(): void;
      resume(): void;
      /** The package adds one shortcut per command: session.submit_sm(options, responseCallback). */
      bind_transceiver(options: Record<string, unknown>, responseCallback?: (pdu: PDU) => void): boolean;
      submit_sm(options: Record<string, unknown>, responseCallback?: (pdu: PDU) => void): boolean;
      deliver_sm(options: Record<string, unknown>, responseCallback?: (pdu: PDU) => void): boolean;
      enquire_link(options: Record<string, unknown>, responseCallback?: (pdu: PDU) => void): boolean;
      unbind(options: Record<string, unknown>, responseCallback?: (pdu: PDU) => void): boolean;
    }

    interface Server extends NetServer {
      sessions: Session[];
    }

    interface ConnectOptions {
      host?: string;
      port?: number;
      tls?: boolean;
      url?: string;
      auto_enquire_link_period?: number;
      rejectUnauthorized?: boolean;
      /** TLS server name (SNI and certificate check) when host is an address. */
      servername?: string;
    }

    function connect(options: ConnectOptions, listener?: () => void): Session;
    function createServer(options: Record<string, unknown>, listener?: (session: Session) => void): Server;
    const PDU: new (command: string, options?: Record<string, unknown>) => PDU;
    const errors: Record<string, number>;
  }

  export = smpp;
}
