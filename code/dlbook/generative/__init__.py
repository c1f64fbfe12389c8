"""Part VI, Generative models.

``yardstick`` (one measure of sample quality for every generative model of the
digits: the Fréchet distance in the features of a digit classifier trained once,
and that classifier's confidence on the samples), ``recorded`` (each family's
score as its chapter measured it, for the table of all four), ``autoencoders``
(undercomplete, linear and denoising autoencoders, PCA and principal angles,
codes sampled from a fitted distribution), ``vae`` (the variational autoencoder,
its ELBO and loss, the Gaussian KL, the reparameterisation, the conditional VAE),
``gan`` (the GAN's losses and R1 penalty, the optimal discriminator and the
Jensen–Shannon divergence, a ring of Gaussians with its coverage count, the
players for the ring and the digits), ``diffusion`` (the noise schedule, the
forward process in closed form, a denoiser with a time embedding, the DDPM and
DDIM samplers, classifier-free guidance).
"""
