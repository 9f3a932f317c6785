import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Db, managerOf } from '#src/database/transaction.js';
import { OAuthClient } from './oauth-client.entity.js';

export type NewOAuthClient = Omit<OAuthClient, 'createdAt' | 'updatedAt'>;

/** The registered OAuth clients (`oauth_clients`). The secret hash is read only by `findSecretHash`. */
@Injectable()
export class OAuthClientsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(db: Db, client: NewOAuthClient): Promise<OAuthClient> {
    const repo = managerOf(this.dataSource, db).getRepository(OAuthClient);
    await repo.insert(client);
    return repo.findOneByOrFail({ clientId: client.clientId });
  }

  /** Inserts unless a client of that id exists (the start-up client); true when inserted. */
  async insertIfAbsent(db: Db, client: NewOAuthClient): Promise<boolean> {
    const result = await managerOf(this.dataSource, db)
      .createQueryBuilder()
      .insert()
      .into(OAuthClient)
      .values(client)
      .orIgnore()
      .execute();
    return (result.raw as unknown[]).length > 0 || result.identifiers.some((i) => i !== undefined);
  }

  findById(db: Db, clientId: string): Promise<OAuthClient | null> {
    return managerOf(this.dataSource, db).getRepository(OAuthClient).findOneBy({ clientId });
  }

  /** The client and its secret hash: what the provider authenticates against. */
  async findWithSecretHash(db: Db, clientId: string): Promise<OAuthClient | null> {
    return managerOf(this.dataSource, db)
      .getRepository(OAuthClient)
      .createQueryBuilder('c')
      .addSelect('c.secretHash')
      .where('c.clientId = :clientId', { clientId })
      .getOne();
  }

  async list(db: Db, limit: number, offset: number): Promise<[OAuthClient[], number]> {
    return managerOf(this.dataSource, db)
      .getRepository(OAuthClient)
      .findAndCount({ order: { createdAt: 'ASC', clientId: 'ASC' }, take: limit, skip: offset });
  }

  /** Replaces the secret hash; false when the client is gone or public. */
  async setSecretHash(db: Db, clientId: string, secretHash: string): Promise<boolean> {
    const result = await managerOf(this.dataSource, db)
      .getRepository(OAuthClient)
      .createQueryBuilder()
      .update()
      .set({ secretHash })
      .where('client_id = :clientId AND secret_hash IS NOT NULL', { clientId })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async delete(db: Db, clientId: string): Promise<boolean> {
    const result = await managerOf(this.dataSource, db).getRepository(OAuthClient).delete({ clientId });
    return (result.affected ?? 0) > 0;
  }
}
